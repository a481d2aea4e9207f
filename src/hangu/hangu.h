#pragma once
// The whole public API of Hangu in one include.
#include "hangu/core/cpu_features.h"
#include "hangu/core/dtype.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/core/rng.h"
#include "hangu/core/tensor.h"
#include "hangu/core/thread_pool.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/views.h"
