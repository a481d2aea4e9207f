// Placeholder: the indexing group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_indexing_ops(OpRegistry&) {}

}  // namespace hangu::ops
