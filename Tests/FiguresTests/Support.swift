import Foundation
import Testing

@testable import Figures

/// The folder holding this target's fixture CSVs.
let fixtures = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent()
  .deletingLastPathComponent()
  .appendingPathComponent("Fixtures")
  .appendingPathComponent("figures")

/// The path of fixture `name`.
func fixture(_ name: String) -> String {
  fixtures.appendingPathComponent(name).path
}

/// Parses `text` as a figures file named `path`.
func figures(_ text: String, path: String = "t.csv") throws(FiguresError) -> FiguresFile {
  try FiguresReader.parse(Array(text.utf8), path: path)
}

/// The compiler-style lines a figures file produces: errors when it fails, else warnings.
func messages(_ text: String, path: String = "t.csv") -> [String] {
  messages(bytes: Array(text.utf8), path: path)
}

/// As `messages(_:path:)`, for raw bytes.
func messages(bytes: [UInt8], path: String = "t.csv") -> [String] {
  do {
    return try FiguresReader.parse(bytes, path: path).warnings.map(\.description)
  } catch {
    return error.diagnostics.map(\.description)
  }
}

/// The compiler-style lines a generic CSV produces (empty when it parses).
func csvMessages(_ bytes: [UInt8], path: String = "t.csv") -> [String] {
  do {
    _ = try CSVReader.parse(bytes, path: path)
    return []
  } catch {
    return error.diagnostics.map(\.description)
  }
}

/// Relative closeness for doubles computed two ways.
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
  abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}
