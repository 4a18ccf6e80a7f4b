import Figures
import Foundation
import TestSupport
import Testing

@testable import Reports

/// The bundled datasets keep every figure tied to its source.
@Suite("Bundled datasets and their provenance")
struct DatasetProvenanceTests {
  static let root = Fixtures.repositoryRoot
  static let seeds = root.deletingLastPathComponent().appendingPathComponent("shared/seeds")
  static let datasets = ["nk-in-china.csv", "mou-arrivals.csv", "unhcr-bangkok.csv", "hrw-2002-figures.csv"]

  static func normalise(_ s: String) -> String {
    s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
  }

  @Test("Every quote occurs verbatim in its seed document", arguments: datasets)
  func quotesAreVerbatim(_ name: String) throws {
    let file = try FiguresReader.read(path: Self.root.appendingPathComponent("datasets/\(name)").path)
    #expect(!file.figures.isEmpty)
    for f in file.figures {
      #expect(
        !f.source.isEmpty && !f.published.isEmpty && !f.document.isEmpty && !f.quote.isEmpty, "\(f.id) lacks provenance"
      )
      let doc = Self.seeds.appendingPathComponent(f.document)
      let text = try String(contentsOf: doc, encoding: .utf8)
      #expect(Self.normalise(text).contains(Self.normalise(f.quote)), "\(f.id): quote not found in \(f.document)")
    }
  }

  @Test("Every claim's quote occurs verbatim in its seed document")
  func claimQuotesAreVerbatim() throws {
    let table = try CSVReader.read(path: Self.root.appendingPathComponent("datasets/claims.csv").path)
    let ids = try table.strings(column: "id")
    let docs = try table.strings(column: "document")
    let quotes = try table.strings(column: "quote")
    #expect(ids.count >= 20)
    for (id, (doc, quote)) in zip(ids, zip(docs, quotes)) {
      let text = try String(contentsOf: Self.seeds.appendingPathComponent(doc), encoding: .utf8)
      #expect(
        !quote.isEmpty && Self.normalise(text).contains(Self.normalise(quote)), "\(id): quote not found in \(doc)")
    }
  }

  @Test func arrivalsMatchFootnote87() throws {
    let file = try FiguresReader.read(path: Self.root.appendingPathComponent("datasets/mou-arrivals.csv").path)
    let values = file.figures.map { $0.value ?? -1 }
    #expect(values == [8, 51, 41, 56, 86, 71, 148, 312, 583, 629])
    let last = try #require(file.figures.last?.period)
    #expect(last.isPartial)
    #expect(abs(last.exposure - 211.0 / 365.0) < 1e-15)
  }

  @Test func unhcrPartialYearUpToMay15() throws {
    let file = try FiguresReader.read(path: Self.root.appendingPathComponent("datasets/unhcr-bangkok.csv").path)
    let persons = file.figures.filter { $0.quantity == "unhcr_bangkok_persons" }
    #expect(persons.map { $0.value ?? -1 } == [3, 11, 32, 82, 92])
    let cases = file.figures.filter { $0.quantity == "unhcr_bangkok_cases" }
    #expect(cases.map { $0.value ?? -1 } == [3, 10, 26, 54, 61])
    #expect(abs((persons.last?.period?.exposure ?? 0) - 135.0 / 365.0) < 1e-15)
  }

  @Test("Series and estimate quantities are told apart")
  func seriesDetection() throws {
    let nk = try FiguresReader.read(path: Self.root.appendingPathComponent("datasets/nk-in-china.csv").path)
    let mou = try FiguresReader.read(path: Self.root.appendingPathComponent("datasets/mou-arrivals.csv").path)
    #expect(!ReportBuilder.isSeries(nk.figures))
    #expect(ReportBuilder.isSeries(mou.figures))
  }
}

@Suite("Documentation stays true")
struct DocumentationTests {
  @Test("datasets/README.md lists every verbal phrase with the range the code uses")
  func verbalTableDocumented() throws {
    let readme = try String(
      contentsOf: DatasetProvenanceTests.root.appendingPathComponent("datasets/README.md"), encoding: .utf8)
    func grouped(_ x: Double) -> String { NumberFormat.groupThousands(NumberFormat.plain(x)) }
    for v in VerbalQuantities.table {
      #expect(
        readme.contains("| \(v.phrase) | \(grouped(v.low)) | \(grouped(v.high)) |"),
        "\(v.phrase) missing or different in datasets/README.md")
    }
  }
}
