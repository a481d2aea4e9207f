// Builds against an installed Hangu (CMake package or pkg-config) and prints a tensor.
#include <iostream>

#include "hangu/core/print.h"
#include "hangu/core/version.h"
#include "hangu/hangu.h"

int main() {
  hangu::Tensor a = hangu::reshape(hangu::arange(6), {2, 3});
  hangu::Tensor b = hangu::to(hangu::t(a), hangu::DType::f32);
  std::cout << "hangu " << hangu::version() << "\n" << a << "\n" << b << "\n";
  // A PNG round trip: the installed package must also link the image codecs it was built with.
  hangu::data::Image img(2, 3, 3);
  img.at(1, 2, 0) = 200;
  std::vector<uint8_t> png = hangu::data::encode_png(img);
  if (hangu::data::image_format_available(hangu::data::ImageFormat::png) &&
      !(hangu::data::decode_image(png, "roundtrip.png") == img))
    return 1;
  return 0;
}
