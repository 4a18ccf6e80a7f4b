import Testing

@testable import Reports

@Suite("Input paths as reports name them")
struct NormalisedPathTests {
  @Test(
    "dot components and repeated slashes go, a leading slash and .. stay",
    arguments: [
      ("datasets/x.csv", "datasets/x.csv"), ("./datasets/x.csv", "datasets/x.csv"),
      ("./datasets//x.csv", "datasets/x.csv"), ("datasets/./x.csv", "datasets/x.csv"), ("datasets/", "datasets"),
      ("/tmp//a/./b.csv", "/tmp/a/b.csv"), ("../in/x.csv", "../in/x.csv"), ("a/../b.csv", "a/../b.csv"),
      ("./", "."), ("", "."), ("/", "/"),
    ])
  func normalised(_ given: String, _ expected: String) {
    #expect(normalisedPath(given) == expected)
  }
}
