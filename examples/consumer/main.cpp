// Builds against an installed Hangu (CMake package or pkg-config) and prints a tensor.
#include <iostream>

#include "hangu/core/print.h"
#include "hangu/core/version.h"
#include "hangu/hangu.h"

int main() {
  hangu::Tensor a = hangu::reshape(hangu::arange(6), {2, 3});
  hangu::Tensor b = hangu::to(hangu::t(a), hangu::DType::f32);
  std::cout << "hangu " << hangu::version() << "\n" << a << "\n" << b << "\n";
  return 0;
}
