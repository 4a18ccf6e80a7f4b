import Foundation
import Testing

@testable import Reports

/// The value of `key` in a JSON object, or nil.
func member(_ json: JSON, _ key: String) -> JSON? {
  guard case .object(let members) = json else { return nil }
  return members.first { $0.0 == key }?.1
}

func items(_ json: JSON?) -> [JSON] {
  guard let json, case .array(let a) = json else { return [] }
  return a
}

func string(_ json: JSON?) -> String? {
  guard let json, case .string(let s) = json else { return nil }
  return s
}

@Suite("HTML: Frictionless data package")
struct HTMLDataPackageTests {
  static func package(_ name: String) throws -> (JSON, [CSVWriter]) {
    let r = try BundledReports.report(name)
    let csvs = [RangesAnalysis.csv(r.ranges), TrendAnalysis.csv(r.trends)]
    let json = DataPackage.descriptor(
      name: name,
      resources: [
        (path: "ranges.csv", csv: csvs[0], description: "ranges"),
        (path: "trend.csv", csv: csvs[1], description: "trend"),
      ])
    return (json, csvs)
  }

  /// name → type of each field of a resource.
  static func types(_ resource: JSON) -> [(String, String)] {
    items(member(member(resource, "schema") ?? .null, "fields")).map {
      (string(member($0, "name")) ?? "", string(member($0, "type")) ?? "")
    }
  }

  @Test("Every resource is listed with a field per CSV column", arguments: BundledReports.names)
  func everyResourceAndColumn(_ name: String) throws {
    let (json, csvs) = try Self.package(name)
    #expect(string(member(json, "profile")) == "tabular-data-package")
    #expect(string(member(json, "name")) == name)
    let resources = items(member(json, "resources"))
    #expect(resources.map { string(member($0, "path")) } == ["ranges.csv", "trend.csv"])
    for (res, csv) in zip(resources, csvs) {
      #expect(string(member(res, "profile")) == "tabular-data-resource")
      #expect(string(member(res, "format")) == "csv")
      #expect(string(member(res, "mediatype")) == "text/csv")
      #expect(string(member(res, "encoding")) == "utf-8")
      #expect(Self.types(res).map(\.0) == csv.header)
      let schema = try #require(member(res, "schema"))
      #expect(member(schema, "missingValues") == .array([.string("")]))
    }
  }

  @Test func typesAreInferredFromTheValues() throws {
    let (nk, _) = try Self.package("nk-in-china")
    let ranges = Dictionary(Self.types(items(member(nk, "resources"))[0]), uniquingKeysWith: { a, _ in a })
    #expect(ranges["low"] == "number")
    #expect(ranges["mid"] == "number")
    #expect(ranges["value"] == "number")
    #expect(ranges["pooled"] == "boolean")
    // Dates are ISO intervals (text of one form), not a yearmonth a reader would parse.
    #expect(ranges["published"] == "string")
    #expect(ranges["label"] == "string")
    #expect(ranges["period"] == "string")
    let (mou, _) = try Self.package("mou-arrivals")
    let trend = Dictionary(Self.types(items(member(mou, "resources"))[1]), uniquingKeysWith: { a, _ in a })
    #expect(trend["year"] == "year")
    #expect(trend["exposure"] == "number")
    #expect(trend["observed"] == "number")
    #expect(trend["fitted"] == "number")
    #expect(trend["projected"] == "boolean")
    #expect(trend["partial"] == "boolean")
    #expect(trend["segment"] == "integer")
    #expect(trend["implied"] == "boolean")
    #expect(trend["period"] == "string")
    #expect(trend["model"] == "string")
  }

  @Test func inferenceRules() {
    #expect(DataPackage.inferType(column: "x", values: ["1", "-2", ""]) == "integer")
    #expect(DataPackage.inferType(column: "x", values: ["1", "2.5"]) == "number")
    #expect(DataPackage.inferType(column: "x", values: ["1e5"]) == "string")
    #expect(DataPackage.inferType(column: "x", values: ["2002-01-31", "2001-12-01"]) == "date")
    #expect(DataPackage.inferType(column: "x", values: ["2002-13"]) == "string")
    #expect(DataPackage.inferType(column: "x", values: ["true", "false"]) == "boolean")
    #expect(DataPackage.inferType(column: "x", values: ["yes", "true"]) == "string")
    #expect(DataPackage.inferType(column: "fitted", values: []) == "number")
    #expect(DataPackage.inferType(column: "mystery", values: ["", ""]) == "string")
    #expect(DataPackage.identifier("NK in China!") == "nk-in-china-")
  }

  @Test func descriptionsForKnownColumns() throws {
    let (mou, _) = try Self.package("mou-arrivals")
    let fields = items(member(member(items(member(mou, "resources"))[1], "schema") ?? .null, "fields"))
    for name in ["fitted", "ci_low", "ci_high", "pi_low", "pi_high", "exposure", "implied"] {
      let f = try #require(fields.first { string(member($0, "name")) == name })
      #expect(!(string(member(f, "description")) ?? "").isEmpty, "\(name)")
    }
  }

  @Test func deterministic() throws {
    let (a, _) = try Self.package("nk-in-china")
    let (b, _) = try Self.package("nk-in-china")
    #expect(a.serialized() == b.serialized())
  }
}
