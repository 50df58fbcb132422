// A hint for transparent huge pages over large, randomly accessed arrays (graph blocks, index
// file images): with 4 KiB pages nearly every random block visit costs a TLB miss.
#pragma once

#include <cstddef>

namespace vecdex {

// Asks for huge pages over the 2 MiB-aligned interior of [p, p + bytes). Call before the memory
// is first written. A hint only: a no-op where transparent huge pages are off or unsupported.
void advise_huge_pages(void* p, size_t bytes);

}  // namespace vecdex
