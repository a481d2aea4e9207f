#pragma once
// The models layer in one include.
#include "hangu/models/lenet.h"
#include "hangu/models/mlp.h"
#include "hangu/models/registry.h"
#include "hangu/models/small_cnn.h"
#include "hangu/models/weights.h"
