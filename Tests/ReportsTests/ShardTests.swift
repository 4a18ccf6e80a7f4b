import Foundation
import Testing

@testable import Reports

@Suite("Shard a batch of datasets")
struct ShardTests {
  /// 40 dataset paths, some sharing a file stem.
  static let paths: [String] =
    (1...30).map { "datasets/set-\($0).csv" } + (1...10).map { "more/set-\($0).csv" }

  @Test("K/N parses for 1 ≤ K ≤ N", arguments: [("1/1", 1, 1), ("2/4", 2, 4), ("4/4", 4, 4), ("10/12", 10, 12)])
  func parses(_ text: String, _ k: Int, _ n: Int) throws {
    let s = try Shard(parsing: text)
    #expect(s.index == k && s.count == n)
    #expect(s.description == text)
    #expect(Shard(index: k, count: n) == s)
  }

  @Test(
    "Bad --shard values are rejected",
    arguments: [
      "0/3", "4/3", "1/0", "x", "1/", "/2", "1/2/3", "-1/2", "+1/2", " 1/2", "1.0/2", "", "99999999/99999999",
    ])
  func rejects(_ text: String) {
    #expect(throws: ShardError.self) { try Shard(parsing: text) }
  }

  @Test func fnv1aMatchesTheReferenceVectors() {
    // Fowler–Noll–Vo reference values for 64-bit FNV-1a.
    #expect(Shard.fnv1a("") == 0xcbf2_9ce4_8422_2325)
    #expect(Shard.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
    #expect(Shard.fnv1a("foobar") == 0x8594_4171_f739_67e8)
  }

  @Test("Every dataset in exactly one shard, for every N", arguments: 1...8)
  func coversEveryDatasetOnce(_ n: Int) throws {
    var seen: [String: Int] = [:]
    for k in 1...n {
      let plan = BatchPlan(paths: Self.paths, shard: try #require(Shard(index: k, count: n)), cwd: "/repo")
      #expect(plan.total == Self.paths.count)
      for item in plan.items { seen[item.path, default: 0] += 1 }
      #expect(plan.indexFileName == (n == 1 ? "index.md" : "index-\(k)-of-\(n).md"))
    }
    #expect(seen.count == Self.paths.count)
    #expect(seen.values.allSatisfy { $0 == 1 })
  }

  @Test("Assignment is deterministic and independent of input order")
  func deterministic() throws {
    let s = try Shard(parsing: "2/3")
    let a = BatchPlan(paths: Self.paths, shard: s, cwd: "/repo")
    let b = BatchPlan(paths: Self.paths.reversed(), shard: s, cwd: "/repo")
    #expect(a == b)
    #expect(a.items.map(\.key) == a.items.map(\.key).sorted())
    // Pinned: a change of hash or key would reshuffle every batch already split this way.
    #expect(
      Shard.shard(ofKey: "datasets/mou-arrivals.csv", count: 3) == Int(Shard.fnv1a("datasets/mou-arrivals.csv") % 3) + 1
    )
  }

  @Test("Adding a dataset moves no other dataset to another shard")
  func stableWhenADatasetIsAdded() throws {
    for n in 2...6 {
      func assignment(_ paths: [String]) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for k in 1...n {
          for item in BatchPlan(paths: paths, shard: try #require(Shard(index: k, count: n)), cwd: "/r").items {
            out[item.path] = k
          }
        }
        return out
      }
      let before = try assignment(Self.paths)
      let after = try assignment(Self.paths + ["datasets/aaa-new.csv"])
      for p in Self.paths { #expect(before[p] == after[p], "\(p) moved when a dataset was added (N = \(n))") }
    }
  }

  @Test("Folder names are given over the whole batch, so shards merge without clashes")
  func folderNamesAgreeAcrossShards() throws {
    let whole = BatchPlan(paths: Self.paths, cwd: "/repo")
    let names = Dictionary(uniqueKeysWithValues: whole.items.map { ($0.path, $0.name) })
    #expect(Set(names.values).count == Self.paths.count)
    #expect(names["more/set-1.csv"] == "set-1_2")
    for k in 1...4 {
      for item in BatchPlan(paths: Self.paths, shard: try #require(Shard(index: k, count: 4)), cwd: "/repo").items {
        #expect(item.name == names[item.path])
      }
    }
  }

  @Test("The shard key is the path relative to the current folder, normalised")
  func keys() {
    #expect(Shard.key(for: "datasets/a.csv", relativeTo: "/repo") == "datasets/a.csv")
    #expect(Shard.key(for: "./datasets//a.csv", relativeTo: "/repo") == "datasets/a.csv")
    #expect(Shard.key(for: "/repo/datasets/a.csv", relativeTo: "/repo") == "datasets/a.csv")
    #expect(Shard.key(for: "/repo/datasets/a.csv", relativeTo: "/repo/") == "datasets/a.csv")
    #expect(Shard.key(for: "/elsewhere/a.csv", relativeTo: "/repo") == "/elsewhere/a.csv")
    #expect(Shard.key(for: "/repository/a.csv", relativeTo: "/repo") == "/repository/a.csv")
  }

  @Test("Progress: nothing when disabled or before the first second; erased when shown")
  func progress() async throws {
    let written = LineSink()
    var off = BatchProgress(total: 3, enabled: false) { written.append($0) }
    var quick = BatchProgress(total: 3, enabled: true) { written.append($0) }
    off.step(1, "a")
    quick.step(1, "a")
    quick.finish()
    #expect(written.lines.isEmpty)
    var slow = BatchProgress(total: 3, enabled: true) { written.append($0) }
    try await Task.sleep(for: .milliseconds(1100))
    off.step(2, "b")
    slow.step(2, "datasets/b.csv")
    slow.finish()
    #expect(written.lines == ["\r[2/3] datasets/b.csv\u{1B}[K", "\r\u{1B}[K"])
    #expect(BatchProgress.line(step: 3, total: 120, label: "datasets/foo.csv") == "[3/120] datasets/foo.csv")
  }
}

/// Collects what a progress display writes (the display needs a `@Sendable` writer).
final class LineSink: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [String] = []
  func append(_ s: String) { lock.withLock { stored.append(s) } }
  var lines: [String] { lock.withLock { stored } }
}
