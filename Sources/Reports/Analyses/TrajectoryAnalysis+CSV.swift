import Statistics

extension TrajectoryAnalysis {
  /// The CSV's header: chart data, one row per year.
  public static let csvHeader = ["year", "median", "lo50", "hi50", "lo90", "hi90", "statements"]

  /// Chart data: one row per year from `--from` to `--to`: the level's posterior median, its
  /// central 50% (`lo50`, `hi50`: the 25% and 75% quantiles) and 90% (`lo90`, `hi90`: 5% and
  /// 95%) intervals, and how many statements observe that year (0 for a year between
  /// statements or a projected one). Numbers as every CSV of the tool writes them (plain
  /// decimals, 15 significant digits).
  public static func csv(_ r: TrajectoryReport) -> CSVWriter {
    var w = CSVWriter(header: csvHeader)
    let counts = r.input.statementsPerYear
    for (k, y) in r.result.years.enumerated() {
      let l = y.level
      w.append([
        String(y.year), CSVWriter.cell(l.median), CSVWriter.cell(l.q25), CSVWriter.cell(l.q75), CSVWriter.cell(l.q05),
        CSVWriter.cell(l.q95), String(counts.indices.contains(k) ? counts[k] : 0),
      ])
    }
    return w
  }
}
