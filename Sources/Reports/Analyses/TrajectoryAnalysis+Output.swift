import Figures
import Statistics

/// The output formats of `reconcile trajectory`.
public enum TrajectoryFormat: String, Sendable, CaseIterable {
  /// The terminal table.
  case table
  /// Chart data, one row per year.
  case csv
  /// Everything, as JSON.
  case json
}

extension TrajectoryAnalysis {
  /// `reconcile trajectory`, end to end: fits (``run(_:settings:)``), renders in `format`, and
  /// with `emitStan` writes `model.stan`, `data.json` and `README.txt` into that folder. The
  /// files are staged beside the folder and the output held back until everything is ready:
  /// the files are put in place, then the output reaches standard output; a run that fails
  /// at any step leaves neither.
  ///
  /// - Throws: `AnalysisError` (64, 65) as ``run(_:settings:)``; `OutputError` (73) when the
  ///   folder or standard output cannot be written.
  public static func runToStandardOutput(
    _ files: [FiguresFile], settings: TrajectorySettings, format: TrajectoryFormat, emitStan: String?
  ) throws {
    if let problem = optionSyntaxProblem(settings) { throw AnalysisError.usage(problem) }
    if let dir = emitStan, dir.isEmpty { throw AnalysisError.usage("--emit-stan must name a folder") }
    // The folder is checked before the fit, which may take a while.
    let staged = try emitStan.map { (dir) throws(OutputError) in try StagedFiles(dir) }
    let report = try run(files, settings: settings)
    if let staged {
      let dataJSON: String
      do {
        dataJSON = try TrajectoryStan.dataJSON(report.input.data)
      } catch {
        throw AnalysisError.file(
          report.input.paths.joined(separator: ", "), "\(settings.quantity): \(error.description)")
      }
      try staged.write(TrajectoryStan.model, to: "model.stan")
      try staged.write(dataJSON, to: "data.json")
      try staged.write(stanReadme(report), to: "README.txt")
    }
    let text: String
    switch format {
    case .table: text = table(report)
    case .csv: text = csv(report).text
    case .json: text = json(report).serialized() + "\n"
    }
    guard let pending = StandardOutput.pending() else {
      throw OutputError(path: "(standard output)", reason: "cannot stage the output (no temporary file)")
    }
    _ = try pending.deliver { write in
      try write(Array(text.utf8))
      try staged?.commit()
      return true
    }
  }

  /// `README.txt` of `--emit-stan`: what the two other files are, how to run them, and which
  /// year, series, evidence group and figure each index of `data.json` stands for (ids and
  /// names are kept out of `data.json`). Control characters from the data are shown escaped.
  public static func stanReadme(_ r: TrajectoryReport) -> String {
    let data = r.input.data
    var out = """
      The trajectory model of \(r.input.quantity)\(r.input.unit.isEmpty ? "" : " (\(r.input.unit))"), written by `reconcile trajectory --emit-stan`.

      model.stan  the Stan program: the model reconcile samples (see `reconcile trajectory --help` and the README's Methods)
      data.json   its data, with 1-based indices; no id or name is in it: this file says which is which

      To run it with CmdStanPy (the same settings as reconcile: 4 chains of 1000 warmup and \(r.options.draws) draws):
        from cmdstanpy import CmdStanModel
        fit = CmdStanModel(stan_file="model.stan").sample(data="data.json", chains=4, iter_warmup=1000, iter_sampling=\(r.options.draws), seed=\(r.options.seed))

      Years (T = \(data.years.count)): index 1 is \(data.years.first ?? 0), index \(data.years.count) is \(data.years.last ?? 0); index t is year \(data.years.first ?? 0) + t - 1.


      """
    out += "Series (S = \(data.series.count); `series` in data.json; `reference` = "
    out += data.reference.map { "\($0 + 1): that series' bias is 0" } ?? "0: biases of mean zero"
    out += "):\n"
    for (k, name) in data.series.enumerated() { out += "  \(k + 1)  \(name)\n" }
    out += "\nEvidence groups (G = \(data.groups.count); `group` in data.json, 0 for a statement alone):\n"
    if data.groups.isEmpty { out += "  none\n" }
    for (k, name) in data.groups.enumerated() { out += "  \(k + 1)  \(name)\n" }
    out += "\nStatements (N = \(data.statements.count)): row i of every per-statement array of data.json\n"
    out += "(year, series, group, kind, y, low, high, sigma; kind 1 point, 2 lower bound, 3 upper bound, 4 interval):\n"
    var rows = [["row", "id", "where", "year", "series", "group", "kind", "reading"]]
    for (k, s) in r.input.sources.enumerated() {
      let t = data.statements[k]
      rows.append([
        String(k + 1), s.id, "\(s.location.path):\(s.location.line)", "\(t.year + 1) (\(s.year))",
        "\(t.series + 1)", t.group.map { String($0 + 1) } ?? "0", "\(t.kind.rawValue) (\(kindName(t.kind)))",
        s.reading.rawValue,
      ])
    }
    out += TextTable.render(rows) + "\n"
    if !r.input.leftOut.isEmpty {
      out += "\nLeft out (not in data.json):\n"
      for l in r.input.leftOut { out += "  \(l.id) (\(l.location.path):\(l.location.line)): \(l.reason)\n" }
    }
    return TerminalText.escape(out)
  }
}
