import ArgumentParser
import Figures
import Foundation
import Reports
import Statistics

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run every analysis on every dataset and write chart-ready CSV, JSON and Markdown.",
    discussion: """
      With no PATH, runs on ./datasets/ and writes ./reconcile-report/. For each dataset:
      DATASET/ranges.csv, DATASET/trend.csv, DATASET/summary.json, DATASET/report.md, and an
      index.md over all datasets. Everything is computed before anything is written, and each
      file is written to a temporary name and renamed into place: a failed run leaves no partial file.

      Examples:
        reconcile report
        reconcile report datasets/mou-arrivals.csv --out /tmp/arrivals-report
      """)

  @Argument(help: "Figures files or folders (default: datasets).")
  var paths: [String] = []
  @Option(name: .long, help: "Output folder.")
  var out: String = "reconcile-report"

  func run() throws {
    try guarded {
      let inputs = paths.isEmpty ? ["datasets"] : paths
      if paths.isEmpty && !FileManager.default.fileExists(atPath: "datasets") {
        throw FiguresError.fileNotFound(path: "datasets")
      }
      let files = try loadFigures(inputs)
      let names = ReportBuilder.folderNames(files.map(\.path))
      var reports: [DatasetReport] = []
      for (f, n) in zip(files, names) { reports.append(try ReportBuilder.analyse(f, name: n)) }
      for r in reports {
        for (rel, text) in r.outputs { try AtomicWriter.write(text, to: (out as NSString).appendingPathComponent(rel)) }
      }
      try AtomicWriter.write(ReportBuilder.index(reports), to: (out as NSString).appendingPathComponent("index.md"))
      emit("wrote \(out)/ — \(reports.count) datasets: \(reports.map(\.name).joined(separator: ", "))\n")
    }
  }
}
