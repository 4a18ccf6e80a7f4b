import Figures
import Statistics

extension HTMLReport {
  /// A quantity's sensitivity table (issue #30) as an HTML table under its heading (empty
  /// without one).
  static func sensitivitySection(_ rec: RangeReconciliation) -> String {
    guard let (title, rows) = RangesAnalysis.sensitivityTable(rec), let head = rows.first else { return "" }
    var out =
      "<h3>Sensitivity to the assumed readings</h3>\n<p>\(Markup.escape(ReportBuilder.capitalised(title))).</p>\n<table class=\"sensitivity\">\n<thead><tr>"
    out += head.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
    for row in rows.dropFirst() {
      out +=
        "<tr>"
        + row.enumerated().map {
          $0.offset == 0
            ? "<th>\(Markup.escape($0.element))</th>" : "<td class=\"num\">\(Markup.escape($0.element))</td>"
        }
        .joined() + "</tr>\n"
    }
    return out + "</tbody>\n</table>\n"
  }

  /// The linear pool's density (``SVGPoolDensityChart``) in a figure with its caption (empty
  /// without a linear pool).
  static func poolDensityFigure(_ rec: RangeReconciliation, index: Int) -> String {
    guard let chart = SVGPoolDensityChart(rec) else { return "" }
    return
      "<h3>The linear pool's density</h3>\n<figure>\n\(chart.svg)\n<figcaption>The mixture of the sources' readings (the linear opinion pool) on the pooling scale: one peak per group of sources that agree. Its median and central \(pct(rec.level)) interval summarise it well only when it has one peak.</figcaption>\n</figure>\n"
  }
}
