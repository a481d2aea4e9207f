#include "hangu/io/npy.h"
