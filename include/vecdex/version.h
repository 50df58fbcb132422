// Library version and the SIMD target the distance kernels run on in this process.
#pragma once

#include <string>

namespace vecdex {

// "0.1.0".
const char* version();
// Highway's name of the chosen kernel target ("AVX3" = AVX-512, "AVX2", "EMU128" = scalar),
// after VECDEX_SIMD (scalar | avx2 | avx512 | best) is applied.
std::string simd_target_name();

}  // namespace vecdex
