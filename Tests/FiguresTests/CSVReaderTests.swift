import TestSupport
import Testing

@testable import Figures

@Suite("CSV reader")
struct CSVReaderTests {
  @Test("plain LF file: header, rows, locations")
  func plain() throws {
    let table = try CSVReader.parse(Array("a,b\n1,2\n3,4\n".utf8), path: "t.csv")
    #expect(table.header.map(\.value) == ["a", "b"])
    #expect(table.records.count == 2)
    #expect(table.records[1].line == 3)
    #expect(table.records[1].fields[1] == CSVField(value: "4", line: 3, column: 3))
  }

  @Test("BOM is skipped and not counted in columns")
  func bom() throws {
    let table = try CSVReader.parse(
      [0xEF, 0xBB, 0xBF] + Array("quantity,value\nx,1".utf8), path: "t.csv")
    #expect(table.header[0].value == "quantity")
    #expect(table.header[0].column == 1)
    #expect(table.columnIndex("quantity") == 0)
    #expect(
      messages(bytes: [0xEF, 0xBB, 0xBF] + Array("quantity,value\nx,abc\n".utf8)) == [
        "t.csv:2:3: error: bad number 'abc' in column value"
      ])
  }

  @Test("CRLF line ends leave no CR in values")
  func crlf() throws {
    let table = try CSVReader.parse(Array("a,b\r\n1,\"2\"\r\n3,4\r\n".utf8), path: "t.csv")
    #expect(table.header.map(\.value) == ["a", "b"])
    #expect(table.records.map { $0.fields.map(\.value) } == [["1", "2"], ["3", "4"]])
    #expect(table.records.map(\.line) == [2, 3])
  }

  @Test(
    "a last line without a line end, and trailing blank lines",
    arguments: [
      "a,b\n1,2", "a,b\n1,2\n", "a,b\n1,2\n\n\n", "a,b\r\n1,2\r\n\r\n", "a,b\n\n1,2\n",
    ])
  func endings(_ text: String) throws {
    let table = try CSVReader.parse(Array(text.utf8), path: "t.csv")
    #expect(table.records.map { $0.fields.map(\.value) } == [["1", "2"]])
  }

  @Test("empty last field after a trailing comma")
  func trailingComma() throws {
    let table = try CSVReader.parse(Array("a,b\n1,".utf8), path: "t.csv")
    #expect(table.records[0].fields.map(\.value) == ["1", ""])
  }

  @Test("quoted fields: escapes, commas, embedded newlines, and line numbers after them")
  func quoted() throws {
    let text = "a,b,c\n\"x, \"\"y\"\"\",\"one\ntwo\nthree\",z\n1,2,3\n"
    let table = try CSVReader.parse(Array(text.utf8), path: "t.csv")
    #expect(table.records[0].fields.map(\.value) == ["x, \"y\"", "one\ntwo\nthree", "z"])
    #expect(table.records[0].fields[2] == CSVField(value: "z", line: 4, column: 8))
    #expect(table.records[1].line == 5)
    #expect(table.records[1].fields[2].column == 5)
  }

  @Test("spaces around a quoted field are tolerated; the field starts at its quote")
  func spacesAroundQuotes() throws {
    let table = try CSVReader.parse(Array("a,b,c\nx,  \"1,000\" ,\t\"y\"\n".utf8), path: "t.csv")
    #expect(table.records[0].fields.map(\.value) == ["x", "1,000", "y"])
    #expect(table.records[0].fields[1].column == 5)
    #expect(table.records[0].fields[2].column == 15)
  }

  @Test("a row split by an unquoted thousands separator gets a hint")
  func splitThousands() {
    #expect(
      messages("quantity,value,source\nx,300,000,UN\n") == [
        "t.csv:2:11: error: row has 4 fields, header has 3 (is 300,000 a number with an unquoted thousands separator? write it as \"300,000\")"
      ])
  }

  @Test("CR-only line ends are reported, not read as one long row")
  func crOnly() {
    #expect(
      csvMessages(Array("a,b\rx,1\r".utf8)) == [
        "t.csv:1:1: error: line ends are CR only (classic Mac format): save the file with LF or CRLF line ends"
      ])
  }

  @Test("columns count characters, not bytes")
  func unicodeColumns() throws {
    let table = try CSVReader.parse(Array("a,b,c\nx,Ünïcødé,abc\n".utf8), path: "t.csv")
    #expect(table.records[0].fields[2].column == 11)
  }

  @Test("ragged rows: too few and too many fields")
  func ragged() {
    #expect(
      csvMessages(Array("a,b,c,d,e,f,g\n1,2,3,4,5\n1,2,3,4,5,6,7,8\n".utf8)) == [
        "t.csv:2:10: error: row has 5 fields, header has 7",
        "t.csv:3:15: error: row has 8 fields, header has 7",
      ])
  }

  @Test("unterminated quote is located at its opening quote")
  func unterminated() {
    #expect(
      csvMessages(Array("quantity,value\nx,\"12\nmore,3\n".utf8)) == [
        "t.csv:2:3: error: unterminated quoted field: no closing quote before the end of the file"
      ])
  }

  @Test("stray quote in an unquoted field, and text after a closing quote")
  func strayQuote() {
    #expect(
      csvMessages(Array("a,b\nx,12\"3\n\"ab\"c,d\n".utf8)) == [
        "t.csv:2:5: error: stray quote in unquoted field (quote the whole field and write \"\" for a quote)",
        "t.csv:3:5: error: unexpected text after closing quote (a quote inside a quoted field is written \"\")",
      ])
  }

  @Test("NUL byte and invalid UTF-8 are located")
  func badBytes() {
    #expect(
      csvMessages(Array("a,b\nx,1".utf8) + [0] + Array("\n".utf8)) == [
        "t.csv:2:4: error: NUL byte in field"
      ])
    #expect(
      csvMessages(Array("a,b\nx,é".utf8) + [0xFF] + Array("1\n".utf8)) == [
        "t.csv:2:4: error: invalid UTF-8 byte 0xFF"
      ])
    #expect(
      csvMessages(Array("a,b\nx,\"".utf8) + [0xC3, 0x28] + Array("\"\n".utf8)) == [
        "t.csv:2:3: error: invalid UTF-8 in field"
      ])
  }

  @Test("columns stay right after non-ASCII text and errors on the same line")
  func columnsAfterNonASCII() {
    #expect(
      csvMessages(Array("a,b,c,d\nÜ,é\"x,ü".utf8) + [0xFF] + Array("ü,\"ö\"x\n".utf8)) == [
        "t.csv:2:4: error: stray quote in unquoted field (quote the whole field and write \"\" for a quote)",
        "t.csv:2:8: error: invalid UTF-8 byte 0xFF",
        "t.csv:2:14: error: unexpected text after closing quote (a quote inside a quoted field is written \"\")",
      ])
    #expect(
      messages("quantity,note,value\nx,\"ünï\ncødé\",abc\n") == [
        "t.csv:3:7: error: bad number 'abc' in column value"
      ])
  }

  @Test("empty file", arguments: [[], [0xEF, 0xBB, 0xBF], Array("\n\n".utf8)] as [[UInt8]])
  func empty(_ bytes: [UInt8]) {
    #expect(csvMessages(bytes) == ["t.csv:1:1: error: file is empty: expected a header row"])
  }

  @Test("duplicate header names, ignoring case")
  func duplicateHeader() {
    #expect(
      csvMessages(Array("quantity,value,Quantity\n".utf8)) == [
        "t.csv:1:16: error: duplicate column name 'Quantity' (same as header field 1)"
      ])
  }

  @Test("all errors are reported, in file order")
  func manyErrors() {
    #expect(
      csvMessages(Array("a,b\n1\nx\"y,2\n1,2,3\n".utf8)) == [
        "t.csv:2:2: error: row has 1 field, header has 2",
        "t.csv:3:2: error: stray quote in unquoted field (quote the whole field and write \"\" for a quote)",
        "t.csv:4:5: error: row has 3 fields, header has 2",
      ])
  }

  @Test("numbers(column:) for generic CSVs")
  func numbers() throws {
    let table = try CSVReader.parse(
      Array("x,Y\n1,\"1,000\"\n2, 3.5 \n3,NA\n4,-2e3\n".utf8), path: "t.csv")
    #expect(table.columnIndex(" y ") == 1)
    #expect(try table.numbers(column: "y", allowMissing: true) == [1000, 3.5, nil, -2000])
    #expect(try table.strings(column: "x") == ["1", "2", "3", "4"])
    #expect(throws: FiguresError.self) { try table.numbers(column: "y") }
    do {
      _ = try table.numbers(column: "y")
    } catch {
      #expect(
        error.diagnostics.map(\.description) == ["t.csv:4:3: error: missing number in column Y"])
      #expect(error.exitCode == 65)
    }
    do {
      _ = try table.numbers(column: "z")
    } catch {
      #expect(
        error.diagnostics.map(\.description) == [
          "t.csv:1: error: no column named 'z' (columns: x, Y)"
        ])
    }
  }

  @Test("missing file exits 66, a directory is unreadable (66)")
  func missingFile() {
    do {
      _ = try CSVReader.read(path: Fixtures.path("figures/no-such-file.csv"))
      Issue.record("expected an error")
    } catch {
      guard case .fileNotFound = error else {
        Issue.record("expected fileNotFound, got \(error)")
        return
      }
      #expect(error.exitCode == 66)
    }
    do {
      _ = try CSVReader.read(path: Fixtures.path("figures"))
      Issue.record("expected an error")
    } catch {
      guard case .unreadable = error else {
        Issue.record("expected unreadable, got \(error)")
        return
      }
      #expect(error.exitCode == 66)
    }
  }

  @Test("every field's line and column point at its text in the file")
  func locationsPointAtFields() throws {
    var generator = SplitMix64(seed: 7)
    let pieces = ["\"", ",", "\n", "\r\n", "a", "é", " ", "x1", "\"\"", "ü,"]
    var checked = 0
    for _ in 0..<6000 {
      let count = Int(generator.next() % 30)
      let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
        .joined()
      guard let table = try? CSVReader.parse(Array(text.utf8), path: "t.csv") else { continue }
      // Split on LF scalars: as Characters, "\r\n" is one grapheme and never equals "\n".
      let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
      for field in table.header + table.records.flatMap(\.fields) {
        let line = try #require(
          lines.indices.contains(field.line - 1) ? lines[field.line - 1] : nil)
        let rest = line.dropFirst(field.column - 1)
        let firstLine = field.value.unicodeScalars.prefix { $0 != "\n" }
        #expect(
          rest.first == "\"" || rest.starts(with: firstLine),
          "field \(field) in \(text.debugDescription)")
        checked += 1
      }
    }
    #expect(checked > 1000)
  }

  @Test("arbitrary bytes never crash the reader")
  func garbage() {
    var generator = SplitMix64(seed: 42)
    let alphabet: [UInt8] = [
      0x22, 0x2C, 0x0A, 0x0D, 0x61, 0x31, 0x00, 0xC3, 0xA9, 0xFF, 0xEF, 0xBB, 0xBF, 0x20,
    ]
    for _ in 0..<3000 {
      let length = Int(generator.next() % 40)
      let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
      _ = csvMessages(bytes)
      _ = messages(bytes: bytes)
    }
  }
}

/// A small deterministic generator for reproducible random inputs.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
