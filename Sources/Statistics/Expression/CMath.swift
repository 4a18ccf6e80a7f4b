#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// The C library's functions under names that types with members called `exp`, `log`, … can
// call without their own members shadowing them (public for the other modules' such types).
@inline(__always) public func cPow(_ a: Double, _ b: Double) -> Double { pow(a, b) }
@inline(__always) public func cExp(_ x: Double) -> Double { exp(x) }
@inline(__always) public func cLog(_ x: Double) -> Double { log(x) }
@inline(__always) public func cSin(_ x: Double) -> Double { sin(x) }
@inline(__always) public func cCos(_ x: Double) -> Double { cos(x) }
@inline(__always) public func cTan(_ x: Double) -> Double { tan(x) }
@inline(__always) public func cAtan(_ x: Double) -> Double { atan(x) }
@inline(__always) public func cExpm1(_ x: Double) -> Double { expm1(x) }
