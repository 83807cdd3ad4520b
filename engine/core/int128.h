#pragma once

// 128-bit intermediates for fixed-point multiplication and division (GCC and Clang builtin).

namespace sigex {

__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

}  // namespace sigex
