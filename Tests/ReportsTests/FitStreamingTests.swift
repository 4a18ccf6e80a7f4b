import Foundation
import Statistics
import Testing

@testable import Reports

/// `fit --by --format json` writes its document as the chunks of groups are fitted: the same
/// bytes as the document made from `run`'s fits, and the same error, whatever the model.
@Suite("fit --by: the JSON written as it is fitted")
struct FitStreamingTests {
  /// A batch of `groups` count series (8 to 30 years, some with a partial year); group
  /// `bad`, if any, has a negative count, which no count model accepts.
  static func batch(groups: Int, bad: Int? = nil) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fit-stream-\(UUID().uuidString).csv")
    var text = "group,year,count,log_exposure\n"
    var state: UInt64 = 88_172_645_463_325_252
    func next() -> Double {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Double(state % 1_000_000) / 1_000_000
    }
    for g in 0..<groups {
      let n = 8 + Int(next() * 23)
      let level = 1 + 3 * next()
      let slope = 0.25 * next() - 0.1
      for i in 0..<n {
        let exposure = next() < 0.1 ? 0.2 + 0.7 * next() : 1.0
        let mean = exp(level + slope * Double(i)) * exposure * (0.3 + 1.4 * next())
        var count = (mean * (0.6 + 0.8 * next())).rounded()
        if g == bad && i == n / 2 { count = -3 }
        text += "g\(g),\(2000 + i),\(Int(count)),\(log(exposure))\n"
      }
    }
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  static func streamed(_ path: String, _ request: FitRequest) -> (bytes: [UInt8], error: String?) {
    var bytes: [UInt8] = []
    do {
      try FitAnalysis.streamGroupedJSON(path: path, request) { bytes += $0 }
      return (bytes, nil)
    } catch {
      return (bytes, "\(error)")
    }
  }

  @Test(
    "Every count model and OLS, 700 groups on all cores and 20 on one: the bytes of the document made from run's fits",
    arguments: ["poisson", "quasipoisson", "negbin", "ols"], [700, 20])
  func sameBytes(model: String, groups: Int) throws {
    let url = try Self.batch(groups: groups)
    defer { try? FileManager.default.removeItem(at: url) }
    let request = FitRequest(
      y: "count", x: ["year"], model: try #require(ModelKind(rawValue: model)),
      offset: model == "ols" ? nil : "log_exposure", by: "group")
    let whole = FitAnalysis.jsonDocument(try FitAnalysis.run(path: url.path, request), grouped: true).flatMap { $0 }
    let (bytes, error) = Self.streamed(url.path, request)
    #expect(error == nil)
    #expect(bytes.count > 1000 * groups / 10)
    #expect(bytes == whole)
  }

  @Test("No groups: an empty array, as before")
  func noGroups() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fit-stream-empty-\(UUID().uuidString).csv")
    try "group,year,count\n".write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    let request = FitRequest(y: "count", x: ["year"], model: .poisson, by: "group")
    let whole = FitAnalysis.jsonDocument(try FitAnalysis.run(path: url.path, request), grouped: true).flatMap { $0 }
    #expect(Self.streamed(url.path, request).bytes == whole)
    #expect(whole == Array("[]\n".utf8))
  }

  @Test("A failing group: run's error (the first failing group), and only whole chunks before it were handed over")
  func failingGroup() throws {
    let url = try Self.batch(groups: 900, bad: 611)
    defer { try? FileManager.default.removeItem(at: url) }
    let request = FitRequest(y: "count", x: ["year"], model: .negbin, offset: "log_exposure", by: "group")
    var runError: String? = nil
    do { _ = try FitAnalysis.run(path: url.path, request) } catch { runError = "\(error)" }
    let expected = try #require(runError)
    #expect(expected.contains("g611"), "\(expected)")
    let (bytes, error) = Self.streamed(url.path, request)
    #expect(error == expected)
    // What was handed over is a prefix of the document of the groups before the failing one
    // (the caller takes it back).
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.hasPrefix("[\n"))
    #expect(!text.contains("\"group\": \"g611\""))
  }
}
