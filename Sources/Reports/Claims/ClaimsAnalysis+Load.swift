import Figures
import FoundationEssentials

/// Reading the inputs of `reconcile check`.
extension ClaimsAnalysis {
  /// Reads the inputs of `reconcile check`: claims files, figures files and folders of them.
  ///
  /// Folders become the `.csv` files inside them (not recursive), sorted by name. A CSV whose
  /// header has a `formula` column is a claims file, any other a figures file. When no
  /// figures file is named, the figures files in the claims files' folders are read.
  /// Row-level errors of claims files are kept for the report (`Claim.problems`); figures
  /// files must be valid.
  ///
  /// - Returns: the files and the figures files' warnings.
  /// - Throws: `FiguresError` (66 for a missing file or a folder without CSVs, 65 with
  ///   every diagnostic of every invalid file).
  public static func load(paths: [String]) throws(FiguresError) -> (
    claims: [ClaimsFile], figures: [FiguresFile], warnings: [Diagnostic]
  ) {
    var claimPaths: [String] = []
    var figurePaths: [String] = []
    for path in try expand(paths) {
      if try isClaimsPath(path) { claimPaths.append(path) } else { figurePaths.append(path) }
    }
    if figurePaths.isEmpty {
      var folders: [String] = []
      for path in claimPaths {
        let folder = FilePath.deletingLastComponent(path)
        let f = folder.isEmpty ? "." : folder
        if !folders.contains(f) { folders.append(f) }
      }
      for folder in folders {
        for path in csvFiles(in: folder) where !claimPaths.contains(where: { same($0, path) }) {
          if (try? isClaimsPath(path)) == false { figurePaths.append(path) }
        }
      }
    }
    // The files' diagnostics one after the other, the first of them kept (as printed).
    var diagnostics = DiagnosticCollector(inFileOrder: false)
    var claims: [ClaimsFile] = []
    var figures: [FiguresFile] = []
    var warnings: [Diagnostic] = []
    for path in claimPaths {
      do throws(FiguresError) {
        claims.append(try ClaimsReader.read(path: path, keepingRowErrors: true))
      } catch {
        if case .invalid(let d, let omitted) = error {
          diagnostics.append(contentsOf: d, omitted: omitted)
        } else {
          throw error
        }
      }
    }
    for path in figurePaths {
      do throws(FiguresError) {
        let f = try FiguresReader.read(path: path)
        warnings += f.warnings
        figures.append(f)
      } catch {
        if case .invalid(let d, let omitted) = error {
          diagnostics.append(contentsOf: d, omitted: omitted)
        } else {
          throw error
        }
      }
    }
    if !diagnostics.isEmpty { throw diagnostics.invalid }
    return (claims, figures, warnings)
  }

  static func same(_ a: String, _ b: String) -> Bool {
    URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
  }

  static func isClaimsPath(_ path: String) throws(FiguresError) -> Bool {
    guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
    return ClaimsReader.isClaimsFile(path: path)
  }

  static func csvFiles(in folder: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.lowercased().hasSuffix(".csv") }.sorted()
      .map { FilePath.appending(folder, $0) }
  }

  static func expand(_ paths: [String]) throws(FiguresError) -> [String] {
    var out: [String] = []
    for p in paths {
      var isDir = false
      if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir {
        let csvs = csvFiles(in: p)
        if csvs.isEmpty { throw .unreadable(path: p, reason: "folder has no .csv files") }
        out += csvs
      } else if !FileManager.default.fileExists(atPath: p) {
        throw .fileNotFound(path: p)
      } else {
        out.append(p)
      }
    }
    return out
  }
}
