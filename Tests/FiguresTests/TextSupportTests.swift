import Foundation
import Testing

@testable import Figures

/// The helpers that replaced Foundation's NSString, CharacterSet and FileManager calls, checked
/// against those calls themselves (the tests still link Foundation).
@Suite("Text and path helpers agree with Foundation")
struct TextSupportTests {
  static let paths = [
    "a/b", "a/b/", "/a", "/a/b.csv", "/", "a//b", "./x.csv", "../up/x.tar.gz", "dir/.hidden", "dir.d/file",
    "report/index.md", "/tmp/r/hrw-2002-figures/ranges.csv",
  ]
  /// Names without a slash: NSString's deletingLastPathComponent traps on them in this
  /// Foundation, so they are checked against its documented answer ("") instead.
  static let bareNames = ["a", ".hidden", "x.", "x.csv", "archive.tar.gz"]

  @Test("lastComponent, deletingLastComponent and pathExtension as NSString's")
  func pathsAsNSString() {
    for p in Self.paths {
      let ns = p as NSString
      #expect(FilePath.lastComponent(p) == ns.lastPathComponent, "lastPathComponent of '\(p)'")
      #expect(FilePath.deletingLastComponent(p) == ns.deletingLastPathComponent, "deletingLastPathComponent of '\(p)'")
      #expect(FilePath.pathExtension(p) == ns.pathExtension, "pathExtension of '\(p)'")
    }
  }

  @Test("Bare names: no folder, the name itself, the extension after the last dot")
  func bareNamesAsDocumented() {
    for name in Self.bareNames {
      #expect(FilePath.deletingLastComponent(name) == "")
      #expect(FilePath.lastComponent(name) == (name as NSString).lastPathComponent)
      #expect(FilePath.pathExtension(name) == (name as NSString).pathExtension)
      #expect(FilePath.appending(FilePath.deletingLastComponent(name), name) == name)
    }
  }

  @Test("appending as NSString's appendingPathComponent")
  func appendingAsNSString() {
    for p in Self.paths + Self.bareNames {
      for c in ["x", "x.csv", "sub/x.md"] {
        #expect(FilePath.appending(p, c) == (p as NSString).appendingPathComponent(c), "'\(p)' + '\(c)'")
      }
    }
  }

  @Test("trimmingBlanks as trimmingCharacters(in: .whitespaces), on random strings")
  func blanksAsCharacterSet() {
    let pieces = [
      " ", "\t", "\u{A0}", "\u{2003}", "\u{3000}", "\n", "\r", "a", "é", "e\u{301}", "—", "x y", ",", "\u{200B}", "🙂",
    ]
    var rng = SplitMix64(seed: 7)
    for _ in 0..<2000 {
      let s = (0..<Int(rng.next() % 8)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
      #expect(s.trimmingBlanks() == s.trimmingCharacters(in: .whitespaces), "\(Array(s.unicodeScalars))")
      for scalar in s.unicodeScalars {
        #expect(scalar.isBlank == CharacterSet.whitespaces.contains(scalar))
      }
    }
  }

  @Test("fileSize as FileManager's size attribute; nil where nothing is")
  func sizes() throws {
    let dir = NSTemporaryDirectory() + "reconcile-size-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/f.csv"
    #expect(FileManager.default.createFile(atPath: file, contents: Data(repeating: 65, count: 12_345)))
    let expected = try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber
    #expect(expected?.uint64Value == 12_345)
    #expect(fileSize(atPath: file) == expected?.uint64Value)
    #expect(fileSize(atPath: dir + "/missing") == nil)
  }

  @Test("systemErrorMessage words errno as strerror does")
  func errnoWording() {
    #expect(systemErrorMessage(ENOENT) == "No such file or directory")
    #expect(systemErrorMessage(EACCES) == "Permission denied")
  }
}
