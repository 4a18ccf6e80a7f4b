import Foundation
import Testing

@testable import Figures

/// "Did you mean": the nearest names by Levenshtein distance, a bounded message.
@Suite("Nearest names for a misspelt quantity")
struct NearestNamesTests {
  @Test("Distances as Levenshtein defines them: the classic kitten → sitting is 3")
  func distances() {
    // Cut-off max(2, 7/3) = 2 for "sitting": kitten (3 edits) is out, sittin (1) and kitting (1) in.
    #expect(
      NearestNames.nearest(to: "sitting", among: ["kitten", "sittin", "kitting", "sitting"]) == [
        "sitting", "sittin", "kitting",
      ])
    #expect(
      NearestNames.nearest(to: "nk_in_chna", among: ["mou_arrivals", "nk_in_china", "nk_in_china_2"]) == [
        "nk_in_china", "nk_in_china_2",
      ])
    #expect(NearestNames.nearest(to: "abc", among: ["xyz"]).isEmpty)
    // Unicode scalars, not bytes: é is one edit from e.
    #expect(NearestNames.nearest(to: "réfugiés", among: ["refugies", "refugees"]) == ["refugies"])  // refugees: 3 edits
  }

  @Test("At most five, nearest first, ties in file order, each name once")
  func limit() {
    let names = (0..<50).map { "q\($0 % 10)x" } + ["q1"]
    let near = NearestNames.nearest(to: "q1x", among: names)
    #expect(near == ["q1x", "q0x", "q2x", "q3x", "q4x"])
  }

  @Test("The message stays short for 100,000 names and lists a short file whole")
  func message() {
    let many = (0..<100_000).map { String(format: "quantity_%06d", $0) }
    let started = Date()
    let text = NearestNames.suggestion(for: "quantity_01234", among: many, kind: "quantities")
    #expect(Date().timeIntervalSince(started) < 30)
    #expect(text.hasPrefix("did you mean 'quantity_001234', "))
    #expect(text.hasSuffix("(the files have 100000 quantities)"))
    #expect(text.utf8.count < 300)
    #expect(NearestNames.suggestion(for: "x", among: ["a", "b"], kind: "quantities") == "the files have: a, b")
  }
}
