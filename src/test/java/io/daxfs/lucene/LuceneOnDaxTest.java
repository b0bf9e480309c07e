package io.daxfs.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lucene, unchanged, on a daxfs path: an application indexes, commits, closes, reopens and
 * searches, through each directory implementation, and every answer equals the one the source
 * documents give.
 */
class LuceneOnDaxTest {
  private static final long SEED = 0x1ce5eedL;
  private static final Corpus CORPUS = Corpus.generate(SEED, 3000);

  private FileSystem fs;

  @BeforeEach
  void newFileSystem() throws IOException {
    fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(256 << 20).build());
  }

  @AfterEach
  void close() throws IOException {
    fs.close();
  }

  @ParameterizedTest
  @EnumSource(DirectoryKind.class)
  void anIndexCommittedAndReopenedAnswersEveryQueryAsTheSourceDoes(DirectoryKind kind)
      throws IOException {
    Path path = fs.getPath("/var/index");
    for (boolean compound : List.of(false, true)) {
      try (Directory dir = kind.open(path)) {
        CORPUS.indexInto(dir, compound);
      }
      try (Directory dir = kind.open(path)) {
        CORPUS.verify(dir);
        Corpus.Verdict verdict = Corpus.checkIndex(dir);
        assertThat(verdict.status().clean).as(verdict.report()).isTrue();
        assertThat(verdict.status().segmentInfos)
            .as("several flushed segments")
            .hasSizeGreaterThan(1);
      }
      try (Stream<Path> files = Files.list(path)) {
        List<String> names = files.map(p -> p.getFileName().toString()).toList();
        assertThat(names)
            .as("the index files, compound %s", compound)
            .anyMatch(n -> n.startsWith("segments_"))
            .anyMatch(n -> n.endsWith(compound ? ".cfs" : ".fdt"))
            .noneMatch(n -> n.endsWith(compound ? ".fdt" : ".cfs"));
        for (Path file : Files.newDirectoryStream(path)) {
          assertThat(DaxFiles.badRanges(file)).isEmpty();
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(DirectoryKind.class)
  void updatesAndDeletesOverSeveralCommitsAreSeenAfterReopen(DirectoryKind kind)
      throws IOException {
    Path path = fs.getPath("/index");
    try (Directory dir = kind.open(path)) {
      CORPUS.indexInto(dir, false);
      List<Corpus.Doc> docs = CORPUS.docs();
      IndexWriterConfig config =
          new IndexWriterConfig(new StandardAnalyzer())
              .setOpenMode(IndexWriterConfig.OpenMode.APPEND);
      try (IndexWriter writer = new IndexWriter(dir, config)) {
        for (int i = 0; i < docs.size(); i += 10) {
          writer.deleteDocuments(new Term("id", docs.get(i).id()));
        }
        writer.commit();
        for (int i = 1; i < docs.size(); i += 10) {
          Corpus.Doc d = docs.get(i);
          writer.updateDocument(
              new Term("id", d.id()),
              Corpus.toDocument(new Corpus.Doc(d.id(), d.price(), d.body() + " revised")));
        }
        writer.commit();
        writer.forceMerge(1);
        writer.commit();
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        assertThat(reader.numDocs()).isEqualTo(docs.size() - docs.size() / 10);
        assertThat(reader.leaves()).as("one segment after forceMerge").hasSize(1);
        assertThat(searcher.count(new TermQuery(new Term("body", "revised"))))
            .isEqualTo(docs.size() / 10);
        assertThat(searcher.count(new TermQuery(new Term("id", docs.get(0).id())))).isZero();
        assertThat(searcher.count(new TermQuery(new Term("id", docs.get(2).id())))).isOne();
      }
      Corpus.Verdict verdict = Corpus.checkIndex(dir);
      assertThat(verdict.status().clean).as(verdict.report()).isTrue();
      assertThat(dir.listAll())
          .as("files of old commits were deleted")
          .filteredOn(n -> n.startsWith("segments_"))
          .hasSize(1);
    }
  }
}
