package io.daxfs.lucene;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MultiDocValues;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;

/**
 * The source documents of a test index and what every query over them must answer. The index is
 * derived data: it can always be rebuilt from here, and every answer Lucene gives is checked
 * against here, so a damaged index that answers wrongly (rather than failing) cannot go unnoticed.
 */
final class Corpus {
  /**
   * One source record: a unique id, a price for range queries, a body of words for term queries.
   */
  record Doc(String id, int price, String body) {}

  private static final int VOCABULARY = 300;
  private static final int MAX_PRICE = 100_000;

  private final long seed;
  private final List<Doc> docs;

  private Corpus(long seed, List<Doc> docs) {
    this.seed = seed;
    this.docs = docs;
  }

  /**
   * {@code size} documents drawn from {@code seed}; words follow a skewed law, so some are rare,
   * some common.
   */
  static Corpus generate(long seed, int size) {
    Random random = new Random(seed);
    List<Doc> docs = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      int words = 5 + random.nextInt(25);
      StringBuilder body = new StringBuilder();
      for (int w = 0; w < words; w++) {
        double u = random.nextDouble();
        body.append(w == 0 ? "" : " ").append(word((int) (u * u * VOCABULARY)));
      }
      docs.add(new Doc(String.format("doc-%05d", i), random.nextInt(MAX_PRICE), body.toString()));
    }
    return new Corpus(seed, List.copyOf(docs));
  }

  /** A lower-case token StandardAnalyzer keeps whole: "w" and the number in base 26 letters. */
  static String word(int n) {
    StringBuilder s = new StringBuilder("w");
    do {
      s.append((char) ('a' + n % 26));
      n /= 26;
    } while (n > 0);
    return s.toString();
  }

  long seed() {
    return seed;
  }

  List<Doc> docs() {
    return docs;
  }

  /**
   * Indexes every document into {@code dir} (in several flushed segments, as an application that
   * indexes in batches does) and commits. {@code compound} packs each segment into one .cfs file.
   */
  void indexInto(Directory dir, boolean compound) throws IOException {
    TieredMergePolicy merges = new TieredMergePolicy();
    merges.setNoCFSRatio(compound ? 1.0 : 0.0);
    IndexWriterConfig config =
        new IndexWriterConfig(new StandardAnalyzer())
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
            .setUseCompoundFile(compound)
            .setMergePolicy(merges)
            .setMaxBufferedDocs(Math.max(2, docs.size() / 3));
    try (IndexWriter writer = new IndexWriter(dir, config)) {
      for (Doc d : docs) {
        writer.addDocument(toDocument(d));
      }
      writer.commit();
    }
  }

  static Document toDocument(Doc d) {
    Document doc = new Document();
    doc.add(new StringField("id", d.id(), Field.Store.YES));
    doc.add(new IntPoint("price", d.price()));
    doc.add(new StoredField("price", d.price()));
    doc.add(new NumericDocValuesField("price", d.price()));
    doc.add(new NumericDocValuesField("ordinal", Integer.parseInt(d.id().substring(4))));
    doc.add(new TextField("body", d.body(), Field.Store.YES));
    return doc;
  }

  /** A question to the index and the check of its answer against the source documents. */
  interface Question {
    /**
     * Asks; throws {@link AssertionError} on a wrong answer, {@link IOException} if Lucene could
     * not read.
     */
    void ask(IndexSearcher searcher) throws IOException;
  }

  /**
   * Every question the tests ask, named: term and range queries, stored fields, a sort by doc
   * values.
   */
  List<Named> questions() {
    List<Named> questions = new ArrayList<>();
    questions.add(new Named("every stored document", this::checkStoredFields));
    for (int n = 0; n < VOCABULARY; n += 11) {
      String w = word(n);
      questions.add(
          new Named(
              "term body:" + w,
              s -> checkHits(s, new TermQuery(new Term("body", w)), d -> hasWord(d, w))));
    }
    Random random = new Random(seed ^ 0x5eed);
    for (int i = 0; i < 12; i++) {
      int lo = random.nextInt(MAX_PRICE);
      int hi = Math.min(MAX_PRICE, lo + random.nextInt(MAX_PRICE / 20));
      questions.add(
          new Named(
              "range price:[" + lo + " TO " + hi + "]",
              s ->
                  checkHits(
                      s,
                      IntPoint.newRangeQuery("price", lo, hi),
                      d -> d.price() >= lo && d.price() <= hi)));
    }
    for (int i = 0; i < docs.size(); i += docs.size() / 10) {
      Doc d = docs.get(i);
      questions.add(
          new Named(
              "term id:" + d.id(),
              s -> checkHits(s, new TermQuery(new Term("id", d.id())), d::equals)));
    }
    questions.add(new Named("ten cheapest by doc values", this::checkCheapest));
    return questions;
  }

  record Named(String name, Question question) {}

  private static boolean hasWord(Doc d, String w) {
    for (String token : d.body().split(" ")) {
      if (token.equals(w)) {
        return true;
      }
    }
    return false;
  }

  private interface DocFilter {
    boolean matches(Doc d);
  }

  /**
   * The query's hits are exactly the matching source documents, each with its own stored fields.
   */
  private void checkHits(IndexSearcher searcher, Query query, DocFilter filter) throws IOException {
    Set<String> expected = new HashSet<>();
    for (Doc d : docs) {
      if (filter.matches(d)) {
        expected.add(d.id());
      }
    }
    int count = searcher.count(query);
    if (count != expected.size()) {
      throw new AssertionError(
          query + " counted " + count + " hits, the source has " + expected.size());
    }
    TopDocs top = searcher.search(query, Math.max(1, count));
    // Hits name their source document through doc values (stored fields have a question of their
    // own): an iterator only moves forward, so in doc id order.
    int[] hits = Arrays.stream(top.scoreDocs).mapToInt(h -> h.doc).sorted().toArray();
    NumericDocValues ordinals =
        MultiDocValues.getNumericValues(searcher.getIndexReader(), "ordinal");
    Set<String> found = new HashSet<>();
    for (int docId : hits) {
      if (ordinals == null || !ordinals.advanceExact(docId)) {
        throw new AssertionError("hit " + docId + " of " + query + " has no ordinal");
      }
      found.add(docs.get(Math.toIntExact(ordinals.longValue())).id());
    }
    if (!found.equals(expected)) {
      throw new AssertionError(
          query
              + " found "
              + found.size()
              + " documents that differ from the "
              + expected.size()
              + " of the source");
    }
  }

  /**
   * Every document's stored fields are those of the source document with its id, and each id is
   * there once.
   */
  private void checkStoredFields(IndexSearcher searcher) throws IOException {
    int maxDoc = searcher.getIndexReader().maxDoc();
    if (maxDoc != docs.size()) {
      throw new AssertionError(
          "the index holds " + maxDoc + " documents, the source " + docs.size());
    }
    BitSet seen = new BitSet(docs.size());
    StoredFields fields = searcher.storedFields();
    for (int docId = 0; docId < maxDoc; docId++) {
      Doc d = storedDoc(fields, docId);
      int index = Integer.parseInt(d.id().substring(4));
      if (seen.get(index)) {
        throw new AssertionError(d.id() + " is stored twice");
      }
      seen.set(index);
    }
  }

  private void checkCheapest(IndexSearcher searcher) throws IOException {
    TopDocs top =
        searcher.search(
            IntPoint.newRangeQuery("price", 0, MAX_PRICE),
            10,
            new Sort(new SortField("price", SortField.Type.INT)));
    List<Integer> prices = new ArrayList<>();
    StoredFields fields = searcher.storedFields();
    for (ScoreDoc hit : top.scoreDocs) {
      prices.add(storedDoc(fields, hit.doc).price());
    }
    List<Integer> expected = docs.stream().map(Doc::price).sorted().limit(10).toList();
    if (!prices.equals(expected)) {
      throw new AssertionError("the ten cheapest cost " + prices + ", in the source " + expected);
    }
  }

  /** The document's stored fields, which must equal the source document it names. */
  private Doc storedDoc(StoredFields fields, int docId) throws IOException {
    Document stored = fields.document(docId);
    String id = stored.get("id");
    int index = id != null && id.startsWith("doc-") ? Integer.parseInt(id.substring(4)) : -1;
    if (index < 0 || index >= docs.size() || !docs.get(index).id().equals(id)) {
      throw new AssertionError(
          "document " + docId + " has a stored id that is no source id: " + id);
    }
    Doc source = docs.get(index);
    Doc read = new Doc(id, stored.getField("price").numericValue().intValue(), stored.get("body"));
    if (!read.equals(source)) {
      throw new AssertionError(
          "document " + docId + " reads as " + read + ", the source is " + source);
    }
    return source;
  }

  /** Opens the index and asks every question; any wrong answer or read failure is thrown. */
  void verify(Directory dir) throws IOException {
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      for (Named q : questions()) {
        q.question().ask(searcher);
      }
    }
  }

  /** CheckIndex's verdict on the index in {@code dir}, with its report for failure messages. */
  record Verdict(CheckIndex.Status status, String report) {}

  static Verdict checkIndex(Directory dir) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CheckIndex check = new CheckIndex(dir);
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      check.setInfoStream(out);
      CheckIndex.Status status = check.checkIndex();
      return new Verdict(status, bytes.toString(StandardCharsets.UTF_8));
    }
  }
}
