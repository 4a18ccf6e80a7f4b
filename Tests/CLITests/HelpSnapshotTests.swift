import Foundation
import TestSupport
import Testing

/// `reconcile CMD --help` for every command, against the committed text in
/// Tests/Fixtures/help/CMD.txt (`reconcile.txt` for the top level): a change to an option, a
/// default or a help text shows up here and is reviewed with the fixture's diff.
@Suite struct HelpSnapshotTests {
  static let commands = [
    "reconcile", "validate", "ranges", "trend", "trajectory", "fit", "describe", "meta", "report", "compare", "check",
  ]

  static let regenerate = """
    for c in validate ranges trend trajectory fit describe meta report compare check; do \
    COLUMNS=80 .build/debug/reconcile $c --help > Tests/Fixtures/help/$c.txt; done; \
    COLUMNS=80 .build/debug/reconcile --help > Tests/Fixtures/help/reconcile.txt
    """

  @Test(arguments: commands)
  func helpMatchesSnapshot(_ command: String) throws {
    let args = command == "reconcile" ? ["--help"] : [command, "--help"]
    let r = try CLI.run(args, environment: ["COLUMNS": "80"])
    #expect(r.status == 0)
    let path = Fixtures.url("help/\(command).txt")
    let expected = try String(contentsOf: path, encoding: .utf8)
    #expect(
      r.stdout == expected,
      """
      `reconcile \(args.joined(separator: " "))` differs from Tests/Fixtures/help/\(command).txt.
      If the change is intended, rebuild (swift build) and regenerate the snapshots from the \
      repository root, then review their diff:
        \(Self.regenerate)
      """)
  }

  @Test(arguments: commands.dropFirst())
  func helpHasExamplesAndExitCodes(_ command: String) throws {
    let text = try String(
      contentsOf: Fixtures.url("help/\(command).txt"), encoding: .utf8)
    #expect(text.contains("Example"), "\(command) --help shows no example")
    #expect(text.contains("Exit") || text.contains("Exits"), "\(command) --help does not say its exit codes")
  }
}
