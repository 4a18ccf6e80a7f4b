import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The outcome of comparing a current output folder with its baseline.
public struct ComparisonReport: Sendable, Hashable {
  /// Every difference, failing and informational, in report order (file, key, column).
  public var all: [Difference]
  /// Files present in both folders and compared (a missing or new file is a difference, not a
  /// comparison).
  public var filesCompared: Int

  /// Creates a result; `all` is put in report order.
  public init(differences all: [Difference], filesCompared: Int) {
    self.all = all.sorted(by: Difference.ordered)
    self.filesCompared = filesCompared
  }

  /// The differences that fail the comparison: everything but derived views whose text differs.
  public var differences: [Difference] { all.filter(\.isFailure) }

  /// Derived views (Markdown, HTML, …) whose text differs: reported, never failing.
  public var notes: [Difference] { all.filter { !$0.isFailure } }

  /// Whether the comparison fails: at least one difference beyond tolerance.
  public var hasDifferences: Bool { all.contains(where: \.isFailure) }

  /// The summary line: `3 differences in 2 files; 14 files compared`, or
  /// `no differences; 14 files compared`, plus a count of derived views whose text differs.
  public var summary: String {
    let failing = differences
    let files = Set(failing.map(\.file)).count
    var s =
      failing.isEmpty
      ? "no differences"
      : "\(failing.count) difference\(failing.count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s")"
    s += "; \(filesCompared) file\(filesCompared == 1 ? "" : "s") compared"
    let n = notes.count
    if n > 0 { s += "; \(n) derived view\(n == 1 ? "" : "s") differ\(n == 1 ? "s" : "") (informational)" }
    return s
  }

  /// The diff report: one line per failing difference, then one per informational note, then
  /// the summary line; every line ends with a newline.
  public var text: String {
    var out = ""
    for d in differences { out += d.line + "\n" }
    for d in notes { out += d.line + "\n" }
    return out + summary + "\n"
  }
}

/// Compares two folders of `reconcile report` output, with a tolerance on numbers.
///
/// Every file under either folder is considered, recursively; hidden files and folders (name
/// starting with `.`, such as a writer's temporary file) are skipped. A file in only one of the
/// folders is a difference, whatever its type. Files in both are compared by type:
///
/// - **CSV** (`.csv`): rows are matched by key (see ``CSVComparison``), numbers compared with
///   the ``Tolerance``, other cells exactly; missing and new rows and columns are differences.
/// - **JSON** (`.json`): both trees are walked together (see ``JSONComparison``); numbers with
///   the tolerance, strings, booleans and null exactly; missing and new members and elements
///   are differences.
/// - **Anything else** (`report.md`, `index.md`, HTML…): derived views for people, compared
///   byte for byte and reported as ``Difference/Kind/textDiffers`` — informational, never a
///   failure, because their numbers are rounded renderings of the CSV and JSON numbers, which
///   are compared with tolerance; a change of the last digit of a fit would otherwise fail
///   every report.
public enum OutputComparison {
  /// Compares `current` against `baseline`.
  ///
  /// - Parameters:
  ///   - baseline: the folder of expected outputs.
  ///   - current: the folder of outputs to check.
  ///   - tolerance: when two numbers are the same figure; defaults to rtol 1e-9, atol 0.
  ///   - include: which relative paths (with `/` separators) take part; by default all. A
  ///     sharded report uses it to compare only its own datasets.
  /// - Throws: `ComparisonError.missingFolder` / `.notAFolder` when a folder is missing,
  ///   `.unreadable` when a file cannot be read, `.invalid` when a CSV or JSON file of either
  ///   folder is malformed.
  /// - Complexity: linear in the total size of the files, plus sorting the differences.
  public static func compare(
    baseline: String, current: String, tolerance: Tolerance = .default,
    include: (String) -> Bool = { _ in true }
  ) throws(ComparisonError) -> ComparisonReport {
    let b = try files(under: baseline).filter(include)
    let c = try files(under: current).filter(include)
    let cSet = Set(c)
    let bSet = Set(b)
    var diffs: [Difference] = []
    var compared = 0
    for rel in b where !cSet.contains(rel) {
      diffs.append(Difference(kind: .missingFile, file: rel, column: "(file)"))
    }
    for rel in c where !bSet.contains(rel) {
      diffs.append(Difference(kind: .newFile, file: rel, column: "(file)"))
    }
    for rel in b where cSet.contains(rel) {
      compared += 1
      let bp = FilePath.appending(baseline, rel)
      let cp = FilePath.appending(current, rel)
      let bb = try read(bp)
      let cb = try read(cp)
      if bb == cb { continue }
      switch FilePath.pathExtension(rel).lowercased() {
      case "csv":
        let bt = try csv(bb, path: bp)
        let ct = try csv(cb, path: cp)
        diffs += CSVComparison.compare(baseline: bt, current: ct, file: rel, tolerance: tolerance)
      case "json":
        let bj = try JSONReader.parse(bb, path: bp)
        let cj = try JSONReader.parse(cb, path: cp)
        diffs += JSONComparison.compare(baseline: bj, current: cj, file: rel, tolerance: tolerance)
      default:
        diffs.append(Difference(kind: .textDiffers, file: rel, column: "(text)"))
      }
    }
    return ComparisonReport(differences: diffs, filesCompared: compared)
  }

  /// The regular files under `folder`, relative, `/`-separated, sorted; hidden names skipped.
  static func files(under folder: String) throws(ComparisonError) -> [String] {
    var isDir = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) else {
      throw .missingFolder(path: folder)
    }
    guard isDir else { throw .notAFolder(path: folder) }
    var out: [String] = []
    // Depth first; hidden names and whatever is under them are skipped, and a symbolic link
    // to a folder is neither listed nor followed (no cycles).
    var pending = [""]
    while let rel = pending.popLast() {
      let dir = FilePath.appending(folder, rel)
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
        if rel.isEmpty { throw .unreadable(path: folder, reason: "cannot list the folder") }
        continue
      }
      for name in names where !name.hasPrefix(".") {
        let child = rel.isEmpty ? name : rel + "/" + name
        let full = FilePath.appending(folder, child)
        var link = stat()
        guard lstat(full, &link) == 0 else { continue }
        var target = link
        if (link.st_mode & S_IFMT) == S_IFLNK {
          guard stat(full, &target) == 0, (target.st_mode & S_IFMT) != S_IFDIR else { continue }
        }
        if (target.st_mode & S_IFMT) == S_IFDIR {
          pending.append(child)
        } else {
          out.append(child)
        }
      }
    }
    return out.sorted()
  }

  static func read(_ path: String) throws(ComparisonError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .unreadable(path: path, reason: "cannot read")
    }
    return [UInt8](data)
  }

  /// Compares two JSON documents given as bytes, as `compare` compares two `.json` files
  /// (`file` is the name reported; the documents' diagnostics name `baselinePath` and
  /// `currentPath`).
  ///
  /// - Throws: `ComparisonError.invalid` when either document is malformed: not RFC 8259,
  ///   nested deeper than 512, or with a member name repeated in an object.
  public static func compareJSON(
    baseline: [UInt8], current: [UInt8], file: String, baselinePath: String, currentPath: String,
    tolerance: Tolerance = .default
  ) throws(ComparisonError) -> [Difference] {
    let b = try JSONReader.parse(baseline, path: baselinePath)
    let c = try JSONReader.parse(current, path: currentPath)
    return JSONComparison.compare(baseline: b, current: c, file: file, tolerance: tolerance)
  }

  static func csv(_ bytes: [UInt8], path: String) throws(ComparisonError) -> CSVTable {
    do {
      return try CSVReader.parse(bytes, path: path)
    } catch {
      switch error {
      case .invalid(let d, _): throw .invalid(d)
      case .fileNotFound(let p): throw .unreadable(path: p, reason: "no such file")
      case .unreadable(let p, let r): throw .unreadable(path: p, reason: r)
      }
    }
  }
}
