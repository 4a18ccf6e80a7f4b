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
      #expect(!f.source.isEmpty && !f.published.isEmpty && !f.document.isEmpty, "\(f.id) lacks provenance")
      // A figure transcribed from outside the seeds says so in its document and note, and
      // quotes nothing (there is no seed sentence to check it against).
      if f.document.hasSuffix("(transcribed; not in shared/seeds)") {
        #expect(f.quote.isEmpty && f.note.contains("not in the seed documents"), "\(f.id)")
        continue
      }
      #expect(!f.quote.isEmpty, "\(f.id) lacks a quote")
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
    let older = file.figures.filter { $0.published == "2002-11" }
    let values = older.map { $0.value ?? -1 }
    #expect(values == [8, 51, 41, 56, 86, 71, 148, 312, 583, 629])
    let last = try #require(older.last?.period)
    #expect(last.isPartial)
    #expect(abs(last.exposure - 211.0 / 365.0) < 1e-15)
  }

  @Test("The official table (2025-01): up to 1998, 1999-2001, 2002-2024, and totals that equal its sums")
  func officialArrivalsTable() throws {
    let file = try FiguresReader.read(path: Self.root.appendingPathComponent("datasets/mou-arrivals.csv").path)
    let official = file.figures.filter { $0.published == "2025-01" }
    #expect(official.allSatisfy { $0.seriesName == "Ministry of Unification arrivals" })
    let counts = official.filter { $0.measure == .flow }
    let totals = official.filter { $0.measure == .cumulative }
    #expect(counts.first?.period?.text == "1999/2001" && counts.first?.value == 1043)
    #expect(counts.dropFirst().map { $0.period?.year ?? 0 } == Array(2002...2024))
    let upTo1998 = try #require(totals.first { $0.id == "mou-official-through-1998" })
    #expect(upTo1998.value == 947 && upTo1998.period?.text == "1998")
    let sum = counts.reduce(947.0) { $0 + ($1.value ?? 0) }
    let through2022 = counts.filter { ($0.period?.years.upperBound ?? 0) <= 2022 }.reduce(947.0) {
      $0 + ($1.value ?? 0)
    }
    #expect(totals.first { $0.id == "mou-official-total-2024" }?.value == sum)
    #expect(totals.first { $0.id == "mou-official-total-2022" }?.value == through2022)
    #expect(sum == 34_314 && through2022 == 33_882)
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
