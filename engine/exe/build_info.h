#pragma once

// What this binary is: its version (the project's, from CMakeLists.txt), its build type and
// whether crash-test failpoints are compiled in (never in a release install).

namespace sigex {

inline constexpr const char* kVersion = SIGEX_VERSION;
inline constexpr const char* kBuildType = SIGEX_BUILD_TYPE;
#ifdef SIGEX_FAILPOINTS
inline constexpr bool kFailpointsBuilt = true;
#else
inline constexpr bool kFailpointsBuilt = false;
#endif

}  // namespace sigex
