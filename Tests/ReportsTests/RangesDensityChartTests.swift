import Figures
import Foundation
import Statistics
import Testing

@testable import Reports

/// The linear pool's density picture in the HTML report, and the words that say when the
/// pool is multimodal (issue #30).
@Suite("Ranges: the linear pool's density chart and its modes")
struct RangesDensityChartTests {
  static func ranges(_ text: String) throws -> QuantityRanges {
    let file = try FiguresReader.parse(Array(text.utf8), path: "t.csv")
    return try #require(try RangesAnalysis.run([file]).first)
  }

  /// Two groups of sources far apart: a bimodal mixture.
  static let bimodal = """
    id,quantity,low,high,source
    a,q,1000,2000,A
    b,q,1100,2100,B
    c,q,100000,200000,C
    d,q,120000,210000,D

    """

  @Test("The SVG parses as XML, draws the mixture and one faint line per source, and no two texts overlap")
  func chart() throws {
    for text in [
      Self.bimodal, "id,quantity,low,high,value,source\na,q,50000,300000,,A\nb,q,20000,99999,,B\nc,q,,,80000,C\n",
    ] {
      let q = try Self.ranges(text)
      let chart = try #require(SVGPoolDensityChart(q.reconciliation))
      let svg = chart.svg
      #expect(xmlProblem(svg) == nil, "not well-formed: \(xmlProblem(svg) ?? "")")
      let mixture = svg.matches(of: /<path d="M[^"]+" class="mixture"/).count
      let components = svg.matches(of: /<path d="M[^"]+" class="component"/).count
      #expect(mixture == 1)
      #expect(components == q.reconciliation.distributions.filter { !$0.shape.isBound }.count)
      let boxes = TextBox.all(svg)
      #expect(boxes.count >= 4)
      for (i, a) in boxes.enumerated() {
        for b in boxes[(i + 1)...] { #expect(!a.overlaps(b), "\(a) overlaps \(b)") }
        #expect(a.x0 >= 0 && a.x1 <= SVGPoolDensityChart.width + 1, "\(a) leaves the chart")
      }
      // In the page, with its heading.
      let page = HTMLReport.rangesSection(q, index: 0)
      #expect(page.contains("<h3>The linear pool's density</h3>") && page.contains("class=\"mixture\""))
    }
  }

  @Test("A bimodal pool is said so in the table, report.md and report.html; a unimodal one is not")
  func modalityWords() throws {
    let q = try Self.ranges(Self.bimodal)
    let words = try #require(RangesAnalysis.modalityWords(q.reconciliation))
    #expect(words.contains("2 modes"))
    #expect(RangesAnalysis.table([q]).contains("the linear opinion pool is multimodal"))
    #expect(ReportBuilder.markdownRanges(q).contains("The linear opinion pool is multimodal"))
    #expect(HTMLReport.rangesSection(q, index: 0).contains("The linear opinion pool is multimodal"))
    let one = try Self.ranges("id,quantity,low,high,source\na,q,100,200,A\nb,q,120,220,B\nc,q,90,180,C\n")
    #expect(RangesAnalysis.modalityWords(one.reconciliation) == nil)
    #expect(!RangesAnalysis.table([one]).contains("multimodal"))
  }

  @Test("Every interval the pages show has its level; the sensitivity table is in both")
  func levels() throws {
    let q = try Self.ranges(Self.bimodal)
    let md = ReportBuilder.markdownRanges(q)
    let html = HTMLReport.rangesSection(q, index: 0)
    for page in [md, html] {
      #expect(page.contains("90% CI") && page.contains("90% prediction"))
      #expect(page.contains("assumption-based"))
      #expect(page.contains("point factor 1.5") && page.contains("95%"))
    }
    // The table: no bare "(CI" or "(prediction" without its level.
    let table = RangesAnalysis.table([q])
    #expect(!table.contains("(CI ") && !table.contains("(prediction "))
    #expect(table.contains("assumption-based interval"))
  }
}
