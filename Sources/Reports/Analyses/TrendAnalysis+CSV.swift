import Statistics

extension TrendAnalysis {
  /// Chart data: one row per period of each series (a stock's exposure is empty); `series`,
  /// `measure` and `implied` come last, so the columns before them keep their places.
  /// `implied` is `yes` for a year inside a count over several years (its value the composite
  /// link fit's, no observation of its own), `no` otherwise. `period` is an ISO interval
  /// (``ISODates``: `1993/1998` → `1993-01-01/1998-12-31`), `year` the number to chart it at.
  public static func csv(_ results: [TrendResult]) -> CSVWriter {
    var w = CSVWriter(header: [
      "quantity", "model", "period", "year", "exposure", "observed", "annualized",
      "annualized_ci_low", "annualized_ci_high", "fitted", "ci_low", "ci_high", "pi_low", "pi_high",
      "projected", "partial", "segment", "id", "series", "measure", "implied",
    ])
    for r in results {
      for p in r.points {
        w.append([
          r.quantity, r.model.rawValue, ISODates.cell(p.period), String(p.year),
          p.stock ? "" : CSVWriter.cell(p.exposure),
          CSVWriter.cell(p.observed), CSVWriter.cell(p.annualized), CSVWriter.cell(p.annualizedLow),
          CSVWriter.cell(p.annualizedHigh), CSVWriter.cell(p.fitted),
          CSVWriter.cell(p.ciLow), CSVWriter.cell(p.ciHigh), CSVWriter.cell(p.piLow),
          CSVWriter.cell(p.piHigh), p.projected ? "yes" : "no", p.exposure < 1 ? "yes" : "no", String(p.segment), p.id,
          r.series, r.measure.rawValue, p.implied ? "yes" : "no",
        ])
      }
    }
    return w
  }
}
