import Figures
import Foundation
import Testing

@testable import Reports

/// The boxes of an SVG's text elements, measured as a browser would lay them out (a
/// character at most 0.62 of the font size wide, the line as tall as the font size), rotated
/// where the element is rotated by −90°.
struct TextBox: CustomStringConvertible {
  var text: String
  var x0: Double
  var y0: Double
  var x1: Double
  var y1: Double

  var description: String { "'\(text)' [\(x0), \(x1)]×[\(y0), \(y1)]" }

  func overlaps(_ o: TextBox) -> Bool { x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1 }

  /// Every `<text>` of `svg` with its attributes read by pattern (the charts write them in one
  /// form: x, y, then the attributes the caller gives).
  static func all(_ svg: String) -> [TextBox] {
    let element = /<text x="([-0-9.]+)" y="([-0-9.]+)"([^>]*)>([^<]*)<\/text>/
    return svg.matches(of: element).map { m in
      let x = Double(m.1) ?? 0
      let y = Double(m.2) ?? 0
      let attributes = String(m.3)
      let text = String(m.4)
      let size = Double(attributes.firstMatch(of: /font-size="([0-9.]+)"/)?.1 ?? "11") ?? 11
      let width = Double(text.count) * size * 0.62
      let anchor = attributes.firstMatch(of: /text-anchor="([a-z]+)"/)?.1 ?? "start"
      let start = anchor == "end" ? -width : anchor == "middle" ? -width / 2 : 0
      if attributes.contains("rotate(-90") {
        // Along the line: upwards from y; across it: the ascent to the left of x.
        return TextBox(text: text, x0: x - size, y0: y - start - width, x1: x + 0.25 * size, y1: y - start)
      }
      return TextBox(text: text, x0: x + start, y0: y - size, x1: x + start + width, y1: y + 0.25 * size)
    }
  }
}

@Suite("Chart text does not collide")
struct SVGTextOverlapTests {
  /// A yearly series growing tenfold a year up to 10⁹.
  static func trend(top: Double) throws -> TrendResult {
    var text = "id,quantity,value,unit,period,measure,source\n"
    var v = top
    var rows: [String] = []
    for year in stride(from: 2010, through: 2001, by: -1) {
      rows.append("f\(year),q,\(Int(v)),persons,\(year),flow,S")
      v /= 10
    }
    text += rows.reversed().joined(separator: "\n") + "\n"
    let file = try FiguresReader.parse(Array(text.utf8), path: "big.csv")
    return try #require(try TrendAnalysis.run([file], quantity: "q").results.first)
  }

  @Test("The y-axis title never covers a tick label, for values up to 10⁹", arguments: [1e4, 1e7, 1e9])
  func titleClearsTicks(_ top: Double) throws {
    let svg = SVGTrendChart(try Self.trend(top: top), unit: "persons").svg
    let boxes = TextBox.all(svg)
    let title = try #require(boxes.first { $0.text.contains("per year") })
    let ticks = boxes.filter { $0.text.first?.isNumber == true && $0.x1 < title.x1 + 200 && !$0.text.contains("per") }
    #expect(ticks.contains { $0.text.count >= 9 } || top < 1e7, "\(ticks)")
    for tick in ticks {
      #expect(!title.overlaps(tick), "\(title) covers \(tick)")
      #expect(tick.x0 >= 0, "\(tick) starts outside the chart")
    }
    #expect(title.x0 >= 0)
  }
}
