import Foundation
import Testing

/// Numerical edge cases give a defined result with a warning, never an unexplained NaN or a trap.
@Suite("Numerical edge cases", .serialized)
struct EdgeCaseTests {
  static func write(_ text: String, _ name: String) throws -> URL {
    let dir = try CLI.tempDir()
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  /// Runs with --format json, checks exit 0 and that the output parses (no NaN/Infinity tokens).
  static func json(_ args: [String]) throws -> (doc: Any, stderr: String) {
    let r = try CLI.run(args + ["--format", "json"])
    #expect(r.status == 0, "\(args): \(r.stderr)")
    #expect(!r.stdout.contains("NaN") && !r.stdout.contains("Infinity"), "\(args)")
    return (try CLI.json(r.stdout), r.stderr)
  }

  @Test func oneObservation() throws {
    let f = try Self.write("x,y\n1,2\n", "one.csv")
    let (doc, _) = try Self.json(["fit", f.path, "--y", "y", "--x", "x"])
    let d = try #require(doc as? [String: Any])
    #expect(d["residual_sd"] is NSNull)
    let warnings = try #require(d["warnings"] as? [String])
    #expect(warnings.contains { $0.contains("no residual degrees of freedom") })
    #expect(warnings.contains { $0.contains("not estimable") })
  }

  @Test func rankDeficientDesign() throws {
    let f = try Self.write("a,b,y\n1,2,3\n2,4,5\n3,6,8\n4,8,9\n", "collinear.csv")
    let (doc, _) = try Self.json(["fit", f.path, "--y", "y", "--x", "a,b"])
    let d = try #require(doc as? [String: Any])
    let params = try #require(d["parameters"] as? [[String: Any]])
    #expect(params[2]["estimate"] is NSNull)
    #expect((d["warnings"] as? [String])?.contains { $0.contains("'b' is not estimable") } == true)
  }

  @Test func enormousMagnitudesOverflowWithAWarning() throws {
    let f = try Self.write("x,y\n1e300,2e300\n2e300,4.1e300\n3e300,6e300\n", "huge.csv")
    let (doc, _) = try Self.json(["fit", f.path, "--y", "y", "--x", "x"])
    let d = try #require(doc as? [String: Any])
    #expect((d["warnings"] as? [String])?.contains { $0.contains("overflow") } == true)
  }

  @Test func tinyMagnitudesKeepTheirDigits() throws {
    let f = try Self.write("x,y\n1e-300,3e-300\n2e-300,5e-300\n3e-300,7.5e-300\n", "tiny.csv")
    let (doc, _) = try Self.json(["fit", f.path, "--y", "y", "--x", "x", "--no-intercept"])
    let d = try #require(doc as? [String: Any])
    let slope = try #require((d["parameters"] as? [[String: Any]])?.first?["estimate"] as? Double)
    // Σxy/Σx² = (3 + 10 + 22.5)/(1 + 4 + 9) = 35.5/14
    #expect(abs(slope - 35.5 / 14) < 1e-12)
  }

  @Test func allZeroCounts() throws {
    let f = try Self.write("id,quantity,value,period\na,q,0,2000\nb,q,0,2001\nc,q,0,2002\n", "zeros.csv")
    let r = try CLI.run(["trend", f.path, "--quantity", "q", "--model", "poisson", "--format", "json"])
    #expect(r.status == 0 || r.status == 65, "\(r.stderr)")
    #expect(r.status != 70 && !r.stdout.contains("NaN"))
    if r.status == 0 {
      let d = try #require(try CLI.json(r.stdout) as? [String: Any])
      #expect((d["warnings"] as? [String])?.isEmpty == false, "all-zero counts must come with a warning")
    } else {
      #expect(r.stderr.contains("error"))
    }
  }

  @Test func identicalAndZeroWidthRanges() throws {
    let f = try Self.write("id,quantity,low,high\na,q,100,100\nb,q,100,100\nc,q,100,100\n", "same.csv")
    let (doc, _) = try Self.json(["ranges", f.path])
    let q = try #require((doc as? [String: Any])?["quantities"] as? [[String: Any]]).first
    let pooled = try #require(q?["pooled"] as? [String: Any])
    #expect(abs((pooled["estimate"] as? Double ?? 0) - 100) < 1e-9)
    #expect(pooled["tau2"] as? Double == 0)
  }

  @Test func singleStudyMeta() throws {
    let f = try Self.write("yi,vi\n0.5,0.04\n", "one-study.csv")
    let (doc, _) = try Self.json(["meta", f.path, "--method", "DL"])
    let d = try #require(doc as? [String: Any])
    #expect(d["k"] as? Int == 1)
    #expect(abs((d["estimate"] as? Double ?? 0) - 0.5) < 1e-12)
  }

  @Test func describeOneValue() throws {
    let f = try Self.write("y\n42\n", "one-value.csv")
    let (doc, _) = try Self.json(["describe", f.path, "--column", "y"])
    let d = try #require(doc as? [String: Any])
    #expect(d["mean"] as? Double == 42)
    #expect(d["sd"] is NSNull && d["autocorrelation"] is NSNull)
  }

  @Test func nlsThatCannotConvergeSaysSo() throws {
    let f = try Self.write("x,y\n1,1\n2,2\n3,3\n4,4\n", "flat.csv")
    // exp(b*x) with a huge start overflows: the fit must fail clearly, not print numbers.
    let r = try CLI.run([
      "fit", f.path, "--y", "y", "--formula", "a*exp(b*x)", "--start", "a=1,b=800", "--format", "json",
    ])
    #expect(r.status != 70 && r.status < 128)
    if r.status == 0 {
      let d = try #require(try CLI.json(r.stdout) as? [String: Any])
      if d["converged"] as? Bool == false {
        #expect((d["warnings"] as? [String])?.isEmpty == false)
      }
    } else {
      #expect(r.stderr.contains("error"))
    }
  }
}
