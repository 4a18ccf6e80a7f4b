import Figures
import FoundationEssentials

extension ReportBatch {
  /// The figures files and claims files of `reconcile report PATH...`: `paths` with folders
  /// expanded (``InputPaths/figuresAndClaims(_:)``), or, with no path, the `datasets` folder.
  /// With a `baseline` (`--compare-to`), that folder must exist before anything is written.
  /// - Throws: `FiguresError.fileNotFound` when no path is given and there is no `datasets`
  ///   folder; `ComparisonError.missingFolder` when `baseline` is not a folder; as
  ///   ``InputPaths/expand(_:includeClaims:)`` otherwise.
  public static func inputs(_ paths: [String], baseline: String? = nil) throws -> (figures: [String], claims: [String])
  {
    if paths.isEmpty && !FileManager.default.fileExists(atPath: "datasets") {
      throw FiguresError.fileNotFound(path: "datasets")
    }
    var isFolder = false
    if let baseline, !(FileManager.default.fileExists(atPath: baseline, isDirectory: &isFolder) && isFolder) {
      throw ComparisonError.missingFolder(path: baseline)
    }
    return try InputPaths.figuresAndClaims(paths.isEmpty ? ["datasets"] : paths)
  }
}

extension ReportBatch.Outcome {
  /// The line `reconcile report` prints once the report is written, with a line end:
  /// `wrote OUT/ — N datasets: A, B` (and which shard, when `plan` is one of several).
  public func summaryLine(out: String, plan: BatchPlan) -> String {
    let part = plan.shard.isWhole ? "" : " (shard \(plan.shard) of \(plan.total) datasets)"
    let count = "\(datasets.count) dataset\(datasets.count == 1 ? "" : "s")"
    return "wrote \(out)/ — \(count)\(part): \(datasets.joined(separator: ", "))\n"
  }

  /// Which files of the report (paths relative to its folder) a comparison with a baseline
  /// covers: all of them for the whole batch; for a shard, only its own datasets' folders.
  public func comparedFiles(plan: BatchPlan) -> @Sendable (String) -> Bool {
    let names = Set(datasets)
    let whole = plan.shard.isWhole
    return { relative in whole || names.contains(String(relative.split(separator: "/").first ?? "")) }
  }
}

extension ReportFolder {
  /// Why `baseline` cannot be compared with a report written to `out`: it is `out`, lies
  /// inside it or around it, also through a symbolic link (real paths are compared), so the
  /// report swapped in would overwrite it. Nil when the two are apart.
  public static func baselineOverlap(baseline: String, out: String) -> String? {
    let base = canonicalPath(baseline)
    let target = canonicalPath(out)
    guard contains(base, target) || contains(target, base) else { return nil }
    return
      "--compare-to must not be the --out folder, nor inside it or around it (\(baseline) is \(base), --out \(out) is \(target)): the baseline would be overwritten"
  }
}
