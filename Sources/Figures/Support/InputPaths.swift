import FoundationEssentials

/// The paths a command is given, as the files it reads: a folder stands for the `.csv` files
/// directly inside it (not recursive), sorted by name; any other path is kept as it is (a
/// missing file is reported by whatever reads it).
public enum InputPaths {
  /// Expands folders to their `.csv` files, sorted by name, in the order the paths are given.
  ///
  /// - Parameters:
  ///   - paths: files and folders, as given on the command line.
  ///   - includeClaims: keep the claims files found in folders (``ClaimsReader/isClaimsFile(path:)``);
  ///     by default they are skipped, as the figures commands do. A claims file named
  ///     directly is always kept.
  /// - Throws: `FiguresError.unreadable` for a folder with no `.csv` file.
  /// - Complexity: one directory listing per folder, and reading the header of each `.csv`
  ///   file inside a folder when claims files are skipped.
  public static func expand(_ paths: [String], includeClaims: Bool = false) throws(FiguresError) -> [String] {
    var out: [String] = []
    for p in paths {
      var isDir = false
      if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
        let csvs = names.filter { $0.lowercased().hasSuffix(".csv") }.sorted()
        if csvs.isEmpty {
          throw FiguresError.unreadable(path: p, reason: "folder has no .csv files")
        }
        out += csvs.map { FilePath.appending(p, $0) }.filter { includeClaims || !ClaimsReader.isClaimsFile(path: $0) }
      } else {
        out.append(p)
      }
    }
    return out
  }

  /// Expands `paths` (claims files included) and separates the claims files (their header
  /// names a `formula` column) from the figures files, each in the order of ``expand(_:includeClaims:)``.
  /// - Throws: as ``expand(_:includeClaims:)``.
  public static func figuresAndClaims(_ paths: [String]) throws(FiguresError) -> (figures: [String], claims: [String]) {
    let everything = try expand(paths, includeClaims: true)
    var figures: [String] = []
    var claims: [String] = []
    for path in everything {
      if ClaimsReader.isClaimsFile(path: path) { claims.append(path) } else { figures.append(path) }
    }
    return (figures, claims)
  }
}
