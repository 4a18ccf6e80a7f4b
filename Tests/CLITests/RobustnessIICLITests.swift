import Foundation
import Testing

/// Issue #25 (robustness and security II), through the executable as an analyst runs it.
@Suite("Robustness II: bounds, locations and suggestions")
struct RobustnessIICLITests {
  static func write(_ text: String, _ name: String) throws -> (dir: URL, path: String) {
    let dir = try CLI.tempDir()
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return (dir, url.path)
  }

  // MARK: ranges

  @Test("ranges: a value row of 0 is listed as not pooled and moves nothing else")
  func zeroRow() throws {
    let original = try String(contentsOf: CLI.root.appendingPathComponent("datasets/nk-in-china.csv"), encoding: .utf8)
    let columns = original.prefix { $0 != "\n" }.split(separator: ",", omittingEmptySubsequences: false).count
    let (dir, path) = try Self.write(
      original + "x,nk_in_china,0" + String(repeating: ",", count: columns - 3) + "\n", "nk0.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    let before = try CLI.run(["ranges", "datasets/nk-in-china.csv"])
    let after = try CLI.run(["ranges", path])
    #expect(before.status == 0 && after.status == 0)
    // The same output but for the source table's row of x and its "not pooled" line.
    let kept = after.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter {
      !$0.hasPrefix("  x ") && !$0.hasPrefix("  not pooled: x ")
    }
    #expect(kept.joined(separator: "\n") == before.stdout)
    #expect(after.stdout.contains("not pooled: x — a point figure of zero gives no scale for its uncertainty"))
    #expect(
      after.stdout.contains(
        "random effects (log scale, maximum likelihood, 1 censored bound; CI from the observed information): 105,000"))
  }

  @Test("A number that underflows is a located error, not a silent 0", arguments: ["1e-400", "-2.5e-330", "1e-310"])
  func underflow(_ cell: String) throws {
    let (dir, path) = try Self.write("id,quantity,value\na,q,5\nb,q,\(cell)\n", "u.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    for command in [["ranges", path], ["validate", path]] {
      let r = try CLI.run(command)
      #expect(r.status == 65)
      #expect(
        r.stderr.hasPrefix("\(path):3:5: error: number '\(cell)' in column value is out of range: it underflows"),
        "\(r.stderr)")
    }
  }

  @Test("A coverage outside 0.001–0.999999 is a located error; --coverage likewise a usage error")
  func coverage() throws {
    let (dir, path) = try Self.write("id,quantity,low,high,coverage\na,q,1,10,1e-300\n", "c.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run(["ranges", path])
    #expect(r.status == 65)
    #expect(r.stderr.hasPrefix("\(path):2:10: error: coverage 1e-300 must lie between 0.001 and 0.999999"))
    let option = try CLI.run(["ranges", "datasets/nk-in-china.csv", "--coverage", "1e-300"])
    #expect(option.status == 64)
    #expect(option.stderr.contains("--coverage must be between 0.001 and 0.999999"))
  }

  @Test(
    "1e308 as a point figure: left out because its reading overflows; 1e-300 beside −4: left out, other quantities fine"
  )
  func extremes() throws {
    let (dir, path) = try Self.write("id,quantity,value\nbig,q,1e308\nb,q,5\ntiny,p,1e-300\nneg,p,-4\nc,r,7\n", "e.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run(["ranges", path, "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let quantities = try #require(doc["quantities"] as? [[String: Any]])
    #expect(quantities.map { $0["quantity"] as? String } == ["q", "p", "r"])
    func reason(_ q: Int, _ id: String) -> String? {
      let sources = quantities[q]["sources"] as? [[String: Any]]
      return sources?.first { $0["id"] as? String == id }?["excluded_reason"] as? String
    }
    #expect(reason(0, "big")?.contains("overflows") == true)
    #expect(reason(1, "tiny")?.contains("underflows") == true)
    #expect(reason(1, "neg") == nil)
  }

  // MARK: trend --through and --span

  @Test(
    "trend: --through and --span outside the data are usage errors, at once",
    arguments: [
      (["--through", "999999999"], "more than 50 years after the last observed year, 2024"),
      (["--through", "20300"], "more than 50 years after"),
      (["--through", "1990"], "before the last observed year, 2024"),
      (["--span", "1980:1999"], "reaches outside the observed years 1993–2024"),
      (["--span", "1998:2030"], "reaches outside the observed years 1993–2024"),
      (["--through", "2060", "--vintage", "2003-01-01"], "more than 50 years after the last observed year, 2002"),
      (["--through", "2001", "--vintage", "2003-01-01"], "before the last observed year, 2002"),
      (["--vintage", "2003"], "--vintage must be a date YYYY-MM-DD"),
    ])
  func throughAndSpan(_ c: (args: [String], message: String)) throws {
    let started = Date()
    let r = try CLI.run(["trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals"] + c.args)
    #expect(Date().timeIntervalSince(started) < 5)
    #expect(r.status == 64)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.contains(c.message), "\(r.stderr)")
  }

  @Test("trend: --through at the horizon projects exactly up to it")
  func horizon() throws {
    let r = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--vintage", "2003-01-01", "--through",
      "2052", "--format", "csv",
    ])
    #expect(r.status == 0)
    // Column 15 is `projected`, column 4 the year.
    let rows = r.stdout.split(separator: "\n").dropFirst().map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    let projected = rows.filter { $0.count > 14 && $0[14] == "yes" }
    #expect(projected.count == 50)
    #expect(projected.first?[3] == "2003")
    #expect(projected.last?[3] == "2052")
  }

  // MARK: errors name their file and row

  @Test(
    "trend errors name the file and the row",
    arguments: [
      (
        "id,quantity,value,period\na,q,5,2000\nb,q,-3,2001\nc,q,7,2002\n", ["--model", "poisson"],
        ":3: error: q: count -3 of figure 'b' must be finite and non-negative"
      ),
      (
        "id,quantity,value,period\na,q,5,2000\n", [],
        ":2: error: q: a trend needs at least 2 periods with counts, found 1"
      ),
      (
        "id,quantity,value,period\na,q,5,2000\nb,q,6,2001\n", ["--model", "joinpoint"],
        ":2: error: q: a joinpoint trend needs at least 3 periods with counts, found 2"
      ),
    ])
  func trendLocations(_ c: (text: String, args: [String], message: String)) throws {
    let (dir, path) = try Self.write(c.text, "t.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run(["trend", path, "--quantity", "q"] + c.args)
    #expect(r.status == 65)
    #expect(r.stderr.split(separator: "\n").last?.hasPrefix("\(path)\(c.message)") == true, "\(r.stderr)")
  }

  @Test("fit errors name the file, and the row where one caused them")
  func fitLocations() throws {
    let (dir, path) = try Self.write("y,x,g\n1,1,a\n2,0,a\n5,2,a\n-3,3,b\n4,4,b\n6,5,b\n", "f.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    let nls = try CLI.run(["fit", path, "--y", "y", "--model", "nls", "--formula", "a*log(x)", "--start", "a=1"])
    #expect(nls.status == 65)
    #expect(
      nls.stderr.hasPrefix("\(path):3: error: fit: the model is not finite at the starting values"), "\(nls.stderr)")
    // Row 5 of the file (line 5) has the count −3, in column 1; in group b with --by g.
    for extra in [[String](), ["--by", "g"], ["--by", "g", "--format", "json"]] {
      let poisson = try CLI.run(["fit", path, "--y", "y", "--x", "x", "--model", "poisson"] + extra)
      #expect(poisson.status == 65)
      #expect(
        poisson.stderr.contains("\(path):5:1: error: fit")
          && poisson.stderr.contains("count -3.0 in column y must be finite and non-negative"),
        "\(extra): \(poisson.stderr)")
    }
    // 6 rows cannot determine 7 parameters: the file as a whole.
    let short = try CLI.run([
      "fit", path, "--y", "y", "--model", "nls", "--formula", "a+b+c+d+e+f+g*x", "--start",
      "a=1,b=0,c=0,d=0,e=0,f=0,g=1",
    ])
    #expect(short.status == 65)
    #expect(short.stderr.hasPrefix("\(path): error: fit: "), "\(short.stderr)")
  }

  // MARK: --quantity misspelt

  @Test("A misspelt --quantity among 100,000 names: nearest few suggested, quickly, on one short line")
  func misspeltQuantity() throws {
    var text = "id,quantity,value,period\n"
    for i in 0..<100_000 { text += "r\(i),quantity_\(String(format: "%06d", i)),\(i + 1),2000\n" }
    let (dir, path) = try Self.write(text, "many.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    for command in ["trend", "ranges"] {
      let started = Date()
      let r = try CLI.run([command, path, "--quantity", "quantity_01234"])
      let seconds = Date().timeIntervalSince(started)
      #expect(r.status == 65)
      let line = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
      #expect(
        line.hasPrefix("reconcile: error: unknown quantity 'quantity_01234'; did you mean "), "\(line.prefix(300))")
      #expect(line.contains("'quantity_001234'"))
      #expect(line.utf8.count < 400)
      #expect(line.hasSuffix("(the files have 100000 quantities)"))
      // A debug build on a shared machine; release takes about a second (README).
      #expect(seconds < 60, "\(command): \(seconds) s")
    }
  }

  // MARK: a fit that did not converge

  @Test("A trend fit that did not converge prints no interval, in every format")
  func notConverged() throws {
    let (dir, path) = try Self.write(
      "id,quantity,value,period\na,q,0,2000\nb,q,0,2001\nc,q,0,2002\nd,q,0,2003\ne,q,500,2004\n", "nc.csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    let args = ["trend", path, "--quantity", "q", "--model", "quasipoisson"]
    let table = try CLI.run(args)
    #expect(table.status == 0)
    #expect(table.stdout.contains("(did not converge: no interval)"))
    #expect(table.stdout.contains("warning: the quasipoisson fit did not converge"))
    let json = try CLI.run(args + ["--format", "json"])
    let doc = try #require(try CLI.json(json.stdout) as? [String: Any])
    #expect(doc["converged"] as? Bool == false)
    let growth = try #require(doc["growth_factor"] as? [String: Any])
    #expect(growth["ci_low"] is NSNull && growth["ci_high"] is NSNull)
    let points = try #require(doc["points"] as? [[String: Any]])
    #expect(points.allSatisfy { $0["ci_low"] is NSNull && $0["pi_high"] is NSNull })
    let parameters = try #require(doc["parameters"] as? [[String: Any]])
    #expect(parameters.allSatisfy { $0["ci_low"] is NSNull && $0["std_error"] is NSNull })
    let csv = try CLI.run(args + ["--format", "csv"])
    for row in csv.stdout.split(separator: "\n").dropFirst() {
      let cells = row.split(separator: ",", omittingEmptySubsequences: false)
      #expect(cells.count == 21)
      #expect(cells[10...13].allSatisfy { $0.isEmpty }, "\(row)")
    }
  }
}
