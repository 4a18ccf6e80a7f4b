import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which part of a batch this run computes: shard K of N (1-based K), written `K/N`.
///
/// A dataset belongs to shard `FNV-1a(key) mod N + 1`, where the key is the dataset's path
/// relative to the current folder (see ``key(for:relativeTo:)``), as UTF-8 bytes, hashed with
/// 64-bit FNV-1a (Fowler–Noll–Vo). So N machines running `--shard 1/N` … `--shard N/N` on the
/// same inputs compute every dataset exactly once, and their output folders can be merged by
/// copying.
///
/// Why a hash and not round-robin over the sorted list: with round-robin, adding or removing
/// one file shifts every later file to another shard, so cached or partially merged shard
/// outputs all change hands; with a hash, a dataset's shard depends on its own path alone, and
/// adding a file moves no other file. The price is that shards are balanced only on average.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
  /// K, from 1 to `count`.
  public let index: Int
  /// N, at least 1.
  public let count: Int

  /// The whole batch: shard 1 of 1.
  public static let all = Shard(checkedIndex: 1, count: 1)

  /// Shard `index` of `count`; `nil` unless 1 ≤ index ≤ count.
  public init?(index: Int, count: Int) {
    guard count >= 1, index >= 1, index <= count else { return nil }
    self.index = index
    self.count = count
  }

  private init(checkedIndex: Int, count: Int) {
    self.index = checkedIndex
    self.count = count
  }

  /// Parses `K/N` (decimal integers, 1 ≤ K ≤ N, N ≤ 1,000,000).
  ///
  /// - Throws: `ShardError` naming what is wrong with the text.
  public init(parsing text: String) throws(ShardError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2,
      parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && $0.count <= 7 }),
      let k = Int(parts[0]), let n = Int(parts[1])
    else {
      throw ShardError(text: text, reason: "expected K/N with whole numbers, e.g. 2/4")
    }
    guard n >= 1, n <= 1_000_000 else { throw ShardError(text: text, reason: "N must be from 1 to 1000000") }
    guard k >= 1, k <= n else { throw ShardError(text: text, reason: "K must be from 1 to N (\(n))") }
    self.index = k
    self.count = n
  }

  /// `K/N`.
  public var description: String { "\(index)/\(count)" }

  /// Whether this is the whole batch (N = 1).
  public var isWhole: Bool { count == 1 }

  /// Whether the dataset with this key (see ``key(for:relativeTo:)``) belongs to this shard.
  public func contains(key: String) -> Bool {
    Int(Shard.fnv1a(key) % UInt64(count)) == index - 1
  }

  /// The shard (1-based) a key belongs to among `count`.
  public static func shard(ofKey key: String, count: Int) -> Int {
    Int(fnv1a(key) % UInt64(max(count, 1))) + 1
  }

  /// 64-bit FNV-1a of the UTF-8 bytes of `s` (offset basis 0xcbf29ce484222325,
  /// prime 0x100000001b3).
  public static func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    return h
  }

  /// The hashing key of a dataset path: relative to `cwd` when it lies under it, with `.`
  /// components and repeated slashes removed, so `./datasets/a.csv`, `datasets//a.csv` and
  /// `/srv/repo/datasets/a.csv` (run in `/srv/repo`) all give `datasets/a.csv`.
  public static func key(for path: String, relativeTo cwd: String) -> String {
    let p = normalized(path)
    let base = normalized(cwd)
    let prefix = base.hasSuffix("/") ? base : base + "/"
    if p.hasPrefix("/") && p.hasPrefix(prefix) { return String(p.dropFirst(prefix.count)) }
    return p
  }

  /// The path without empty and `.` components (`..` is kept: it depends on symbolic links).
  static func normalized(_ path: String) -> String {
    let parts = path.split(separator: "/").filter { $0 != "." }
    let body = parts.joined(separator: "/")
    return path.hasPrefix("/") ? "/" + body : body
  }
}

/// A `--shard` value that is not `K/N` with 1 ≤ K ≤ N (a usage error, exit code 64).
public struct ShardError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The text given.
  public var text: String
  /// What is wrong with it.
  public var reason: String
  /// Creates an error.
  public init(text: String, reason: String) {
    self.text = text
    self.reason = reason
  }
  /// One line: `invalid shard '0/3': K must be from 1 to N (3)`.
  public var description: String { "invalid shard '\(text)': \(reason)" }
}
