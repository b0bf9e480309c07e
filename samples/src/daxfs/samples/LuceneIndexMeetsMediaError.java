package daxfs.samples;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.PmemDevice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.NIOFSDirectory;

/**
 * Lucene, unchanged, keeps a search index on pmem. A media error takes bytes of a segment file:
 * Lucene fails with an IOException whose cause is daxfs's MediaErrorException (never a wrong hit),
 * DaxFiles.badRanges over the index directory tells which files lost which bytes, and copying those
 * files back from a snapshot taken after the commit makes the index whole again. The index is
 * derived data, so deleting it and indexing the source records again is the other way back; the
 * suite's LuceneMediaErrorTest also rewrites just the lost sectors through DIRECT.
 */
public final class LuceneIndexMeetsMediaError implements Sample {
  private static final String[] WORDS = {
    "pmem",
    "dax",
    "order",
    "invoice",
    "refund",
    "shipping",
    "express",
    "priority",
    "backorder",
    "warranty",
    "gift",
    "bulk"
  };

  @Override
  public String title() {
    return "A Lucene index meets a media error: EIO, find the lost files, restore them from a snapshot";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    try (FileSystem fs =
            DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(64 << 20).build());
        FileSystem backupFs = DaxFileSystems.newFileSystem()) {
      PmemDevice device = DaxFileSystems.device(fs);
      Path index = fs.getPath("/srv/orders-index");
      Path snapshot = backupFs.getPath("/snapshot");
      List<String> bodies = orders(2000);

      // NIOFSDirectory reads through FileChannel and keeps daxfs's exception as the cause; the
      // MMapDirectory that FSDirectory.open picks fails at open of the damaged file instead, with a
      // new IOException that carries daxfs's message but not the exception itself.
      try (Directory dir = new NIOFSDirectory(index)) {
        IndexWriterConfig config =
            new IndexWriterConfig(new StandardAnalyzer()).setUseCompoundFile(false);
        try (IndexWriter writer = new IndexWriter(dir, config)) {
          for (int i = 0; i < bodies.size(); i++) {
            Document doc = new Document();
            doc.add(new StringField("id", "order-" + i, Field.Store.YES));
            doc.add(new IntPoint("cents", i * 37 % 10_000));
            doc.add(new StoredField("cents", i * 37 % 10_000));
            doc.add(new TextField("body", bodies.get(i), Field.Store.YES));
            writer.addDocument(doc);
          }
          writer.commit();
        }
      }
      String before = answers(index);
      out.printf(
          "indexed %d orders into %s with IndexWriter and committed; %s%n",
          bodies.size(), index, before);

      Files.createDirectories(snapshot);
      for (Path f : list(index)) {
        Files.copy(f, snapshot.resolve(f.getFileName().toString()));
      }
      out.printf(
          "took a snapshot of the committed index on another device: %d files%n",
          list(snapshot).size());

      Path storedFields = index.resolve("_0.fdt");
      long size = Files.size(storedFields);
      DaxFiles.injectError(storedFields, size / 2, 100);
      out.printf(
          "a media error hits the stored fields, %s (%d bytes), at byte %d; badblocks %s%n",
          storedFields.getFileName(), size, size / 2, device.badblocks());

      try (Directory dir = new NIOFSDirectory(index);
          DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        int hits = searcher.count(new TermQuery(new Term("body", "pmem")));
        out.printf(
            "the index still opens, and a term query still counts %d orders that mention pmem:"
                + " the postings are intact%n",
            hits);
        StoredFields stored = searcher.storedFields();
        IOException failure = null;
        int docId = 0;
        try {
          for (; docId < reader.maxDoc(); docId++) {
            stored.document(docId);
          }
        } catch (IOException e) {
          failure = e;
        }
        Check.that(failure != null, "reading every stored document meets the lost bytes");
        Check.that(failure.getClass() == IOException.class, "Lucene reports a plain IOException");
        out.printf(
            "reading the stored fields of document %d fails; Lucene reports an IOException, \"%s\"%n",
            docId, failure.getMessage());
        MediaErrorException eio = mediaErrorIn(failure);
        Check.that(eio != null, "daxfs's MediaErrorException is the cause Lucene reports");
        out.printf(
            "its cause is daxfs's MediaErrorException, with the lost bytes %s and the repair: %s%n",
            eio.badRanges(), eio.recovery().describe());
      }

      CheckIndex.Status damaged = checkIndex(index);
      Check.that(!damaged.clean, "CheckIndex finds the damage");
      out.printf(
          "CheckIndex: clean %s, %d bad segment of %d%n",
          damaged.clean, damaged.numBadSegments, damaged.segmentInfos.size());

      Map<String, List<FileRange>> lost = badRangesOf(index);
      out.printf("DaxFiles.badRanges over the index directory: %s%n", lost);
      Check.that(lost.keySet().equals(Set.of("_0.fdt")), "only the stored fields lost bytes");

      for (String name : lost.keySet()) {
        Files.delete(index.resolve(name));
        Files.copy(snapshot.resolve(name), index.resolve(name));
      }
      out.printf(
          "deleted the damaged files and copied them back from the snapshot: %s%n", lost.keySet());
      Check.that(badRangesOf(index).isEmpty(), "no index file has lost bytes now");

      CheckIndex.Status repaired = checkIndex(index);
      Check.that(repaired.clean, "CheckIndex finds the index clean");
      String after = answers(index);
      Check.that(after.equals(before), "the searches answer as before the error");
      out.printf("CheckIndex: clean %s; the same answers as before: %s%n", repaired.clean, after);
      // Where the copies land is the allocator's choice, as on ext4 or XFS: freed bad sectors that
      // no
      // copy reused hold no file's data and are cleared when a later allocation zeroes them.
      if (device.badblocks().isEmpty()) {
        out.println(
            "the copy was given the freed blocks, zeroed through the driver as they were allocated:"
                + " badblocks []");
      } else {
        out.printf(
            "the freed bad sectors hold no file's data and stay listed until a later allocation zeroes"
                + " them through the driver: badblocks %s%n",
            device.badblocks());
      }
    }
  }

  /** Order notes of a few words each, from a fixed seed, so every run tells the same story. */
  private static List<String> orders(int count) {
    Random random = new Random(7);
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      StringBuilder body = new StringBuilder();
      for (int w = 4 + random.nextInt(12); w > 0; w--) {
        body.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
      }
      bodies.add(body.toString().trim());
    }
    return bodies;
  }

  /**
   * What the application asks the index: a term query, a range query, and the stored fields of one
   * order.
   */
  private static String answers(Path index) throws IOException {
    try (Directory dir = new NIOFSDirectory(index);
        DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      int pmem = searcher.count(new TermQuery(new Term("body", "pmem")));
      int cheap = searcher.count(IntPoint.newRangeQuery("cents", 0, 999));
      int hit = searcher.search(new TermQuery(new Term("id", "order-1234")), 1).scoreDocs[0].doc;
      Document order = searcher.storedFields().document(hit);
      return String.format(
          "%d orders mention pmem, %d cost under 10.00, order-1234 reads \"%s\"",
          pmem, cheap, order.get("body"));
    }
  }

  private static CheckIndex.Status checkIndex(Path index) throws IOException {
    try (Directory dir = new NIOFSDirectory(index);
        CheckIndex check = new CheckIndex(dir)) {
      check.setInfoStream(
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      return check.checkIndex();
    }
  }

  private static Map<String, List<FileRange>> badRangesOf(Path dir) throws IOException {
    Map<String, List<FileRange>> lost = new TreeMap<>();
    for (Path f : list(dir)) {
      List<FileRange> ranges = DaxFiles.badRanges(f);
      if (!ranges.isEmpty()) {
        lost.put(f.getFileName().toString(), ranges);
      }
    }
    return lost;
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  private static MediaErrorException mediaErrorIn(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof MediaErrorException m) {
        return m;
      }
    }
    return null;
  }
}
