import Foundation
import TestSupport
import Testing

@testable import Figures

/// What validating a file tells a user: ok with a count, quantities and warnings, or the
/// diagnostics (or file error) printed.
private enum Outcome: Equatable, CustomStringConvertible {
  case ok(count: Int, quantities: [String], warnings: [String])
  case failed([String])

  var description: String {
    switch self {
    case .ok(let c, let q, let w): return "ok \(c) \(q) \(w)"
    case .failed(let d): return "failed: " + d.prefix(5).joined(separator: "\n")
    }
  }
}

private func reference(_ path: String) -> Outcome {
  do {
    let f = try FiguresReader.read(path: path)
    return .ok(count: f.figures.count, quantities: f.quantities(), warnings: f.warnings.map(\.description))
  } catch {
    return .failed(error.diagnostics.isEmpty ? [error.description] : error.diagnostics.map(\.description))
  }
}

private func streamed(_ path: String, _ options: StreamingValidator.Options) -> Outcome {
  do {
    let s = try StreamingValidator.validate(path: path, options: options)
    return .ok(count: s.figureCount, quantities: s.quantities, warnings: s.warnings.map(\.description))
  } catch {
    return .failed(error.diagnostics.isEmpty ? [error.description] : error.diagnostics.map(\.description))
  }
}

/// Option sets with chunk boundaries everywhere: tiny rounds split among 1 or 2 workers.
private let optionVariants: [StreamingValidator.Options] = {
  var variants: [StreamingValidator.Options] = [StreamingValidator.Options()]
  for (round, workers) in [(7, 1), (7, 2), (64, 2), (1000, 3)] {
    var o = StreamingValidator.Options()
    o.roundSize = round
    o.workers = workers
    variants.append(o)
  }
  return variants
}()

private func csvFiles(in folder: String) -> [String] {
  let dir = Fixtures.repositoryRoot.appendingPathComponent(folder)
  let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
  return names.filter { $0.hasSuffix(".csv") }.sorted().map { dir.appendingPathComponent($0).path }
}

private func temporaryFile(_ bytes: [UInt8], name: String = "figures.csv") throws -> URL {
  let dir = FileManager.default.temporaryDirectory
    .appendingPathComponent("streaming-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let url = dir.appendingPathComponent(name)
  try Data(bytes).write(to: url)
  return url
}

private func removeFile(_ url: URL) {
  try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
}

/// Whether the fast path decides the file when it is clean: no row names figures it
/// supersedes, no text is in the wording grammar ("about 30,000") and every number is plain
/// (no scale word). Other rows go to `FiguresReader` by design.
private func fastPathDecides(_ path: String) -> Bool {
  guard let file = try? FiguresReader.read(path: path),
    file.figures.allSatisfy({ f in f.supersedes.isEmpty && f.text.flatMap(FigureWording.reading) == nil }),
    let table = try? CSVReader.read(path: path)
  else { return false }
  var records = table.records[...]
  var hashtags: [String]? = nil
  if let first = records.first, FiguresReader.isHashtagRow(first) {
    hashtags = first.fields.map(\.value)
    records = records.dropFirst()
  }
  let map = ColumnMap(header: table.header.map(\.value), hashtags: hashtags)
  return records.allSatisfy { record in
    [map.value, map.low, map.high].compactMap { $0 }.allSatisfy { k in
      k >= record.fields.count || NumberSyntax.parse(record.fields[k].value) != .invalid
    }
  }
}

/// Checks that every option set gives the reference outcome, and that a clean file (no
/// error, no warning) is decided on the fast path, without falling back, when it has no row
/// the fast path leaves to `FiguresReader` (``fastPathDecides(_:)``).
private func expectSameAsReader(_ path: String, _ label: String) {
  let expected = reference(path)
  let decides = fastPathDecides(path)
  for (k, options) in optionVariants.enumerated() {
    let got = streamed(path, options)
    #expect(got == expected, "\(label) [variant \(k)]: \(got) vs \(expected)")
    if case .ok(_, _, let warnings) = expected, warnings.isEmpty, decides {
      #expect(
        StreamingValidator.fastSummary(path: path, options: options) != nil,
        "\(label) [variant \(k)]: clean file fell back to FiguresReader")
    }
  }
}

@Suite("Streaming validator")
struct StreamingValidatorTests {
  @Test("Same outcome as FiguresReader on every bundled dataset", arguments: csvFiles(in: "datasets"))
  func datasets(_ path: String) {
    expectSameAsReader(path, path)
  }

  @Test(
    "Same outcome as FiguresReader on every malformed-corpus file",
    arguments: csvFiles(in: "Tests/Fixtures/malformed"))
  func malformed(_ path: String) {
    expectSameAsReader(path, path)
  }

  @Test("Same outcome on the figures fixtures", arguments: csvFiles(in: "Tests/Fixtures/figures"))
  func fixtures(_ path: String) {
    expectSameAsReader(path, path)
  }

  @Test("Same outcome on 300 random and mutated figures files, with chunk boundaries everywhere")
  func randomFiles() throws {
    var clean = 0
    var failing = 0
    for seed in 1...300 as ClosedRange<UInt64> {
      let url = try temporaryFile(randomFiguresFile(seed: seed))
      defer { removeFile(url) }
      if case .ok = reference(url.path) { clean += 1 } else { failing += 1 }
      expectSameAsReader(url.path, "seed \(seed)")
    }
    // The generator must exercise both paths.
    #expect(clean >= 100, "only \(clean) clean files")
    #expect(failing >= 30, "only \(failing) failing files")
  }

  @Test(
    "Same outcome on cumulative totals, valid and not (kind, period, no period), with chunk boundaries everywhere",
    arguments: [
      "x,34314,,,2024,cumulative", "x,34314,,point,2024-12-31,cumulative", "x,947,,,1993/1998,Cumulative",
      "x,34314,,about,2024,cumulative", "x,,34314,,2024,cumulative", "x,34314,,at_least,2024,cumulative",
      "x,34314,,range,2024,cumulative", "x,34314,,,2024-06,cumulative", "x,34314,,,,cumulative",
      "x,34314,,,2024-06/2024-12,cumulative",
    ])
  func cumulative(_ row: String) throws {
    let text = "quantity,value,low,kind,period,measure\nx,1,,,2023,flow\n\(row)\nx,2,,,2025,\n"
    let url = try temporaryFile(Array(text.utf8))
    defer { removeFile(url) }
    expectSameAsReader(url.path, row)
  }

  @Test("Missing file and folder give the reader's errors")
  func missing() throws {
    let missing = "/nonexistent/streaming-\(UUID().uuidString).csv"
    #expect(streamed(missing, .init()) == reference(missing))
    let url = try temporaryFile([])
    defer { removeFile(url) }
    let folder = url.deletingLastPathComponent().path
    #expect(streamed(folder, .init()) == reference(folder))
    #expect(streamed(url.path, .init()) == reference(url.path))
  }

  // MARK: Ids: fingerprint collisions and partitions

  private static func idFile(_ ids: [String], derived: [Int: String] = [:]) -> [UInt8] {
    var text = "id,quantity,value,derived_from\n"
    for (k, id) in ids.enumerated() { text += "\(id),q\(k % 3),\(k),\(derived[k] ?? "")\n" }
    return Array(text.utf8)
  }

  /// A hash that collides constantly: ids of equal length share a fingerprint.
  private static let lengthHash: @Sendable (UnsafeBufferPointer<UInt8>) -> UInt64 = { UInt64($0.count % 4) }

  @Test("Colliding fingerprints of different ids are not reported as duplicates")
  func falseCollisions() throws {
    let ids = (0..<200).map { "id\($0)" }
    let url = try temporaryFile(Self.idFile(ids, derived: [5: "id150", 7: "id3; id199"]))
    defer { removeFile(url) }
    var o = StreamingValidator.Options()
    o.fingerprint = Self.lengthHash
    o.roundSize = 97
    let fast = StreamingValidator.fastSummary(path: url.path, options: o)
    #expect(fast?.figureCount == 200)
    #expect(fast?.quantities == ["q0", "q1", "q2"])
    #expect(streamed(url.path, o) == reference(url.path))
  }

  @Test("A duplicate id hidden among colliding fingerprints is found", arguments: [1, 100, 199])
  func duplicateAmongCollisions(_ at: Int) throws {
    var ids = (0..<200).map { "id\($0)" }
    ids[at] = "id42"
    let url = try temporaryFile(Self.idFile(ids))
    defer { removeFile(url) }
    var o = StreamingValidator.Options()
    o.fingerprint = Self.lengthHash
    #expect(StreamingValidator.fastSummary(path: url.path, options: o) == nil)
    let got = streamed(url.path, o)
    #expect(got == reference(url.path))
    #expect(got.description.contains("duplicate id 'id42'"))
  }

  @Test("An unknown derived_from target whose fingerprint collides with an id is found")
  func unknownTargetAmongCollisions() throws {
    let ids = (0..<50).map { "id\($0)" }
    let url = try temporaryFile(Self.idFile(ids, derived: [3: "id99"]))  // same length as id10
    defer { removeFile(url) }
    var o = StreamingValidator.Options()
    o.fingerprint = Self.lengthHash
    #expect(StreamingValidator.fastSummary(path: url.path, options: o) == nil)
    #expect(streamed(url.path, o) == reference(url.path))
  }

  @Test("More ids than the table holds: extra passes still find duplicates exactly", arguments: [3, 10, 64])
  func partitions(_ capacity: Int) throws {
    let ids = (0..<300).map { "id\($0)" }
    var o = StreamingValidator.Options()
    o.idCapacity = capacity
    o.roundSize = 256
    o.workers = 2
    // Unique ids, with derived_from links checked in every partition.
    let clean = try temporaryFile(Self.idFile(ids, derived: [1: "id299", 200: "id0;id1", 299: "id17"]))
    defer { removeFile(clean) }
    #expect(StreamingValidator.fastSummary(path: clean.path, options: o)?.figureCount == 300)
    // The same with one id repeated far from its first use, or a link to a missing id.
    for (k, bad) in [(250, "id7"), (299, "id298"), (2, "id0")] {
      var dup = ids
      dup[k] = bad
      let url = try temporaryFile(Self.idFile(dup))
      defer { removeFile(url) }
      #expect(StreamingValidator.fastSummary(path: url.path, options: o) == nil, "\(bad) at \(k)")
      #expect(streamed(url.path, o) == reference(url.path))
    }
    let unknown = try temporaryFile(Self.idFile(ids, derived: [120: "id300"]))
    defer { removeFile(unknown) }
    #expect(StreamingValidator.fastSummary(path: unknown.path, options: o) == nil)
    // A cycle through three ids.
    let cycle = try temporaryFile(Self.idFile(ids, derived: [10: "id20", 20: "id250", 250: "id10"]))
    defer { removeFile(cycle) }
    #expect(StreamingValidator.fastSummary(path: cycle.path, options: o) == nil)
    #expect(streamed(cycle.path, o) == reference(cycle.path))
  }

  @Test("The fingerprint table splits into partitions that cover every id once")
  func tableSplits() throws {
    let table = try #require(FingerprintTable(maxCount: 10))
    let fingerprints = (1...100 as ClosedRange<UInt64>).map { mix64($0) | 1 }
    for f in fingerprints { table.insert(f) }
    #expect(table.count <= 10)
    #expect(!table.pending.isEmpty)
    var covered = fingerprints.filter { table.contains($0) }.count
    var pending = table.pending
    while let (depth, prefix) = pending.popLast() {
      let t = try #require(FingerprintTable(maxCount: 10))
      t.reset(depth: depth, prefix: prefix)
      for f in fingerprints { t.insert(f) }
      covered += fingerprints.filter { t.contains($0) }.count
      pending += t.pending
    }
    #expect(covered == 100)
    #expect(table.suspects.isEmpty)
    // A fingerprint inserted again (a duplicate or a collision) becomes a suspect.
    let kept = try #require(fingerprints.first { table.contains($0) })
    table.insert(kept)
    #expect(table.suspects == [kept])
  }

  @Test("Canonically equivalent ids are duplicates, as String equality says")
  func canonicalIDs() throws {
    let url = try temporaryFile(Array("id,quantity,value\n\u{e9}1,q,1\ne\u{301}1,q,2\n\u{212A},q,3\nK,q,4\n".utf8))
    defer { removeFile(url) }
    let expected = reference(url.path)
    #expect(expected.description.contains("duplicate id"))
    #expect(streamed(url.path, .init()) == expected)
  }

  // MARK: Numbers

  @Test("Byte-level numbers equal NumberSyntax.parse")
  func numbers() {
    var rng = SplitMix64(seed: 7)
    let alphabet = Array("0123456789,,.e+- NAna/x\t".utf8)
    var samples = [
      "300,000", "1,234,567", "12,34", "1,2345", ",123", "123,", "-0", "+0", "007", "999999999999999",
      "9999999999999999", "1,000,000,000,000,000", " 42 ", "", "NA", "n/A", "1e5", "1.", ".5", "-",
    ]
    for _ in 0..<5000 {
      let n = Int.random(in: 0...12, using: &rng)
      samples.append(
        String(decoding: (0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }, as: UTF8.self))
    }
    for s in samples {
      let bytes = Array(s.utf8)
      let got = bytes.withUnsafeBufferPointer { ByteFields.number($0, 0, $0.count) }
      let expected = NumberSyntax.parse(s)
      switch (got, expected) {
      case (.number(let a), .number(let b)):
        #expect(a.bitPattern == b.bitPattern, "'\(s)'")
      default:
        #expect(got == expected, "'\(s)'")
      }
    }
  }
}
