// Placeholder: the sort group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_sort_ops(OpRegistry&) {}

}  // namespace hangu::ops
