import Foundation
import Testing

@testable import Reports

/// The "unknown quantity" error names the nearest quantities (`NearestNames`, in Figures) and
/// stays short however many the files have.
@Suite("Unknown quantity message")
struct UnknownQuantityMessageTests {
  @Test("100,000 quantities: a short message with the nearest names")
  func short() {
    let many = (0..<100_000).map { String(format: "quantity_%06d", $0) }
    let text = AnalysisError.unknownQuantity("quantity_01234", available: many).description
    #expect(text.utf8.count < 300)
    #expect(text.contains("did you mean 'quantity_001234'"))
  }
}
