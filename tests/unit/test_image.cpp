// Images: decoders against PIL's pixels (tests/fixtures/image, made by tools/gen_image_fixtures.py),
// hostile files, our writers, transforms against torchvision 0.14, ImageFolder and the split.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/data/image/image_io.h"
#include "hangu/data/image/transforms.h"
#include "hangu/data/image_folder.h"
#include "hangu/io/npy.h"
#include "hangu/io/safetensors.h"
#include "hangu/models/registry.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_functional.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace hangu;
using namespace hangu::data;
using hangu::test_util::expect_error_mentions;

namespace {

const std::string kDir = std::string(HANGU_FIXTURE_DIR) + "/image/";

std::vector<uint8_t> bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void put_file(const fs::path& p, const std::vector<uint8_t>& b) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Image npy_image(const std::string& name) { return image_from_hwc_tensor(io::load_npy(kDir + name)); }

// Largest absolute difference and the share of equal values.
struct Diff {
  int max = 0;
  double equal = 1.0;
};
Diff diff(const Image& a, const Image& b) {
  EXPECT_EQ(a.height(), b.height());
  EXPECT_EQ(a.width(), b.width());
  EXPECT_EQ(a.channels(), b.channels());
  Diff d;
  if (a.pixels().size() != b.pixels().size()) return Diff{999, 0.0};
  size_t same = 0;
  for (size_t i = 0; i < a.pixels().size(); ++i) {
    int e = std::abs(int(a.pixels()[i]) - int(b.pixels()[i]));
    d.max = std::max(d.max, e);
    same += e == 0;
  }
  d.equal = a.pixels().empty() ? 1.0 : double(same) / double(a.pixels().size());
  return d;
}

// JPEG and PNG decode only in a build with the codecs (HANGU_WITH_IMAGE_CODECS). Without them,
// each test that needs them checks the clear error instead of its own subject.
bool codecs_built() { return image_format_available(ImageFormat::jpeg) && image_format_available(ImageFormat::png); }
void expect_codec_errors() {
  if (!image_format_available(ImageFormat::jpeg))
    expect_error_mentions<Unsupported>([] { read_image(kDir + "rgb.jpg"); }, {"rgb.jpg", "libjpeg62-turbo-dev"});
  if (!image_format_available(ImageFormat::png))
    expect_error_mentions<Unsupported>([] { read_image(kDir + "rgb.png"); }, {"rgb.png", "libpng-dev"});
}
#define REQUIRE_CODECS()   \
  if (!codecs_built()) {   \
    expect_codec_errors(); \
    return;                \
  }

class TempDir {
 public:
  TempDir() {
    path = fs::temp_directory_path() / ("hangu_image_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

}  // namespace

// ---------------------------------------------------------------- decoders against PIL

TEST(ImageDecode, MatchesPILPixelForPixel) {
  // (file, PIL's RGB pixels). JPEG goes through the same libjpeg-turbo as PIL here, so exact.
  const std::pair<const char*, const char*> cases[] = {
      {"rgb.jpg", "rgb_jpg.npy"},
      {"gray.jpg", "gray_jpg.npy"},
      {"progressive.jpg", "progressive_jpg.npy"},
      {"rgb.png", "rgb_png.npy"},
      {"gray.png", "gray_png.npy"},
      {"palette.png", "palette_png.npy"},
      {"rgba.png", "rgba_png.npy"},
      {"gray_alpha.png", "gray_alpha_png.npy"},
      {"bits1.png", "bits1_png.npy"},
      {"gray16.png", "gray16_png.npy"},
      {"rgb16.png", "rgb16_png.npy"},
      {"rgb24.bmp", "rgb24_bmp.npy"},
      {"gray8.bmp", "gray8_bmp.npy"},
      {"rgba32.bmp", "rgba32_bmp.npy"},
      {"rgb.ppm", "rgb_ppm.npy"},
      {"gray.pgm", "gray_pgm.npy"},
      {"maxval100.ppm", "maxval100_ppm.npy"},
      {"maxval4095.ppm", "maxval4095_ppm.npy"},
  };
  for (const auto& [file, ref] : cases) {
    const ImageFormat format = sniff_image_file(kDir + file);
    if (!image_format_available(format)) {  // a build without the codec: a clear error instead
      expect_error_mentions<Unsupported>([&] { read_image(kDir + file); }, {file, "rebuild"});
      continue;
    }
    Image got = read_image(kDir + file);
    Diff d = diff(got, npy_image(ref));
    EXPECT_EQ(d.max, 0) << file;
  }
}

TEST(ImageDecode, ExifOrientationIsApplied) {
  REQUIRE_CODECS();
  // The files store the same 32x24 picture with orientation 3, 6 and 8; PIL's exif_transpose
  // stands them upright (6 and 8 swap width and height).
  for (const char* name : {"exif3", "exif6", "exif8"}) {
    Image got = read_image(kDir + name + ".jpg");
    Image ref = npy_image(std::string(name) + "_jpg.npy");
    EXPECT_EQ(diff(got, ref).max, 0) << name;
  }
  EXPECT_EQ(read_image(kDir + "exif6.jpg").width(), 24);
  EXPECT_EQ(read_image(kDir + "exif6.jpg").height(), 32);
}

TEST(ImageDecode, UnchangedModeKeepsTheStoredChannels) {
  REQUIRE_CODECS();
  EXPECT_EQ(read_image(kDir + "gray.jpg", ImageMode::unchanged).channels(), 1);
  EXPECT_EQ(read_image(kDir + "gray.png", ImageMode::unchanged).channels(), 1);
  EXPECT_EQ(read_image(kDir + "gray8.bmp", ImageMode::unchanged).channels(), 1);
  EXPECT_EQ(read_image(kDir + "gray.pgm", ImageMode::unchanged).channels(), 1);
  EXPECT_EQ(read_image(kDir + "rgb.png", ImageMode::unchanged).channels(), 3);
  EXPECT_EQ(read_image(kDir + "palette.png", ImageMode::unchanged).channels(), 4);     // tRNS -> alpha
  EXPECT_EQ(read_image(kDir + "gray_alpha.png", ImageMode::unchanged).channels(), 4);  // LA -> RGBA
  Image rgba = read_image(kDir + "rgba.png", ImageMode::unchanged);
  EXPECT_EQ(diff(rgba, npy_image("rgba_png_rgba.npy")).max, 0);
}

TEST(ImageDecode, TopDownAnd32BitBitfieldsBmp) {
  // Bottom-up rgb24.bmp turned top-down: rows reversed in the file, height negated.
  std::vector<uint8_t> b = bytes_of(kDir + "rgb24.bmp");
  const uint32_t off = b[10] | (b[11] << 8) | (b[12] << 16) | (uint32_t(b[13]) << 24);
  const int32_t w = 32, h = 24;
  const size_t stride = (w * 3 + 3) / 4 * 4;
  std::vector<uint8_t> td = b;
  for (int32_t y = 0; y < h; ++y)
    std::copy_n(b.begin() + off + y * stride, stride, td.begin() + off + (h - 1 - y) * stride);
  const int32_t neg = -h;
  std::memcpy(td.data() + 22, &neg, 4);
  EXPECT_EQ(diff(decode_image(td, "top-down.bmp"), npy_image("rgb24_bmp.npy")).max, 0);

  // A 32-bit BI_BITFIELDS BMP (BITMAPV3INFOHEADER, alpha mask) of PIL's RGBA pixels.
  Image rgba = npy_image("rgba_png_rgba.npy");
  std::vector<uint8_t> f(14 + 56, 0);
  auto put32 = [&](size_t at, uint32_t v) { std::memcpy(f.data() + at, &v, 4); };
  f[0] = 'B', f[1] = 'M';
  put32(10, 14 + 56);
  put32(14, 56);
  put32(18, uint32_t(rgba.width()));
  put32(22, uint32_t(-rgba.height()));
  f[26] = 1, f[28] = 32;
  put32(30, 3);                                                                                    // BI_BITFIELDS
  put32(54, 0x000000ffu), put32(58, 0x0000ff00u), put32(62, 0x00ff0000u), put32(66, 0xff000000u);  // R G B A
  f.insert(f.end(), rgba.pixels().begin(), rgba.pixels().end());  // RGBA bytes = the masks above
  EXPECT_EQ(diff(decode_image(f, "v3.bmp", ImageMode::unchanged), rgba).max, 0);
}

TEST(ImageDecode, FormatComesFromTheBytesNotTheName) {
  REQUIRE_CODECS();
  TempDir t;
  put_file(t.path / "really_a_png.jpg", bytes_of(kDir + "rgb.png"));
  put_file(t.path / "really_a_jpeg.png", bytes_of(kDir + "rgb.jpg"));
  EXPECT_EQ(diff(read_image((t.path / "really_a_png.jpg").string()), npy_image("rgb_png.npy")).max, 0);
  EXPECT_EQ(diff(read_image((t.path / "really_a_jpeg.png").string()), npy_image("rgb_jpg.npy")).max, 0);
  EXPECT_EQ(sniff_image_file((t.path / "really_a_png.jpg").string()), ImageFormat::png);
  EXPECT_EQ(detect_image_format(bytes_of(kDir + "gray.pgm")), ImageFormat::pnm);
  EXPECT_EQ(detect_image_format(bytes_of(kDir + "rgb24.bmp")), ImageFormat::bmp);
}

TEST(ImageDecode, Utf8PathsWithSpaces) {
  REQUIRE_CODECS();
  TempDir t;
  const fs::path p = t.path / "猪 的 照片" / "一号 猪.png";
  put_file(p, bytes_of(kDir + "rgb.png"));
  EXPECT_EQ(diff(read_image(p.string()), npy_image("rgb_png.npy")).max, 0);
}

// ---------------------------------------------------------------- hostile files

TEST(ImageHostile, EmptyTextAndUnknownFiles) {
  expect_error_mentions<FormatError>([] { decode_image({}, "zero.jpg"); }, {"zero.jpg", "empty", "0 bytes"});
  const std::string text = "this is not a picture\n";
  std::vector<uint8_t> tb(text.begin(), text.end());
  expect_error_mentions<FormatError>([&] { decode_image(tb, "notes.jpg"); }, {"notes.jpg", "74 68 69 73", "JPEG, PNG"});
  set_language(Lang::zh);
  expect_error_mentions<FormatError>([&] { decode_image(tb, "笔记.jpg"); }, {"笔记.jpg", "不是本程序能读取的图像"});
  set_language(Lang::en);
  expect_error_mentions<IoError>([] { read_image("/nonexistent/hangu/猪.jpg"); }, {"/nonexistent/hangu/猪.jpg"});
}

TEST(ImageHostile, TruncatedFilesNameTheFile) {
  REQUIRE_CODECS();
  for (const char* name : {"rgb.jpg", "progressive.jpg", "rgb.png", "rgb24.bmp", "rgb.ppm", "maxval4095.ppm"}) {
    std::vector<uint8_t> b = bytes_of(kDir + name);
    for (size_t keep : {b.size() / 2, b.size() - 3, size_t{20}}) {
      std::vector<uint8_t> cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(keep));
      const std::string file = std::string("cut_") + name;
      expect_error_mentions<FormatError>([&] { decode_image(cut, file); }, {file});
    }
  }
  std::vector<uint8_t> j = bytes_of(kDir + "rgb.jpg");
  j.resize(j.size() / 2);
  expect_error_mentions<FormatError>([&] { decode_image(j, "half.jpg"); }, {"half.jpg", "JPEG", "truncated"});
  std::vector<uint8_t> p = bytes_of(kDir + "rgb.png");
  p.resize(p.size() / 2);
  expect_error_mentions<FormatError>([&] { decode_image(p, "half.png"); }, {"half.png", "PNG", "truncated"});
}

TEST(ImageHostile, HugeDimensionsAreRefusedBeforeAllocating) {
  REQUIRE_CODECS();
  // PNG: IHDR says 60000 x 60000 (3.6e9 pixels); the CRC is fixed so that only the size is wrong.
  std::vector<uint8_t> p = bytes_of(kDir + "rgb.png");
  for (int k = 0; k < 2; ++k) {
    const uint32_t v = 60000;
    for (int i = 0; i < 4; ++i) p[16 + 4 * k + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  }
  const uLong crc = crc32(crc32(0, Z_NULL, 0), p.data() + 12, 17);
  for (int i = 0; i < 4; ++i) p[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  expect_error_mentions<FormatError>([&] { decode_image(p, "huge.png"); }, {"huge.png", "60000x60000", "268435456"});

  // JPEG: the SOF0 frame header says 65000 x 65000.
  std::vector<uint8_t> j = bytes_of(kDir + "rgb.jpg");
  size_t sof = 2;
  while (sof + 4 < j.size() && !(j[sof] == 0xff && j[sof + 1] == 0xc0)) ++sof;
  ASSERT_LT(sof + 9, j.size());
  j[sof + 5] = 0xfd, j[sof + 6] = 0xe8, j[sof + 7] = 0xfd, j[sof + 8] = 0xe8;  // height, width 65000
  expect_error_mentions<FormatError>([&] { decode_image(j, "huge.jpg"); }, {"huge.jpg", "65000x65000"});

  // Within the caps (16000 x 16000) but far more pixels than the bytes can encode: refused as
  // truncated before the 768 MB of pixels are allocated.
  auto set_png_size = [](std::vector<uint8_t> png, uint32_t side) {
    for (int k = 0; k < 2; ++k)
      for (int i = 0; i < 4; ++i) png[16 + 4 * k + i] = static_cast<uint8_t>(side >> (24 - 8 * i));
    const uLong c = crc32(crc32(0, Z_NULL, 0), png.data() + 12, 17);
    for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<uint8_t>(c >> (24 - 8 * i));
    return png;
  };
  std::vector<uint8_t> p2 = set_png_size(bytes_of(kDir + "rgb.png"), 16000);
  expect_error_mentions<FormatError>([&] { decode_image(p2, "big.png"); }, {"big.png", "truncated"});
  std::vector<uint8_t> j2 = bytes_of(kDir + "rgb.jpg");
  j2[sof + 5] = 0x3e, j2[sof + 6] = 0x80, j2[sof + 7] = 0x3e, j2[sof + 8] = 0x80;  // 16000 x 16000
  expect_error_mentions<FormatError>([&] { decode_image(j2, "big.jpg"); }, {"big.jpg", "truncated"});

  // BMP and PPM headers.
  std::vector<uint8_t> b = bytes_of(kDir + "rgb24.bmp");
  const int32_t big = 70000;
  std::memcpy(b.data() + 18, &big, 4);
  expect_error_mentions<FormatError>([&] { decode_image(b, "huge.bmp"); }, {"huge.bmp", "70000x24"});
  const std::string ppm = "P6 100000 100000 255\n";
  std::vector<uint8_t> pb(ppm.begin(), ppm.end());
  expect_error_mentions<FormatError>([&] { decode_image(pb, "huge.ppm"); }, {"huge.ppm", "100000x100000"});
  EXPECT_THROW(Image(70000, 1, 3), ValueError);
  EXPECT_THROW(Image(20000, 20000, 1), ValueError);  // 4e8 > 2^28 pixels
  EXPECT_THROW(Image(2, 2, 2), ValueError);
}

TEST(ImageHostile, BadHeaderFields) {
  REQUIRE_CODECS();
  const std::string over = "P5 2 1 100\n\x65\x10";  // 101 > maxval 100
  expect_error_mentions<FormatError>([&] { decode_image(std::vector<uint8_t>(over.begin(), over.end()), "over.pgm"); },
                                     {"over.pgm", "maxval 100", "101"});
  std::vector<uint8_t> b = bytes_of(kDir + "rgb24.bmp");
  b[28] = 16;  // 16 bits per pixel
  expect_error_mentions<FormatError>([&] { decode_image(b, "b16.bmp"); }, {"b16.bmp", "16 bits per pixel"});
  std::vector<uint8_t> j = bytes_of(kDir + "rgb.jpg");
  for (size_t i = 2; i < 40; ++i) j[i] = 0x5a;  // the markers after SOI are junk
  expect_error_mentions<FormatError>([&] { decode_image(j, "junk.jpg"); }, {"junk.jpg", "JPEG"});
}

TEST(ImageHostile, ExifParserNeverReadsPastTheSegment) {
  // A big-endian TIFF header with one IFD entry: orientation 6.
  std::vector<uint8_t> ok = {'E', 'x', 'i',  'f',  0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
                             0,   1,   0x01, 0x12, 0, 3, 0,   0,   0, 1,  0, 6, 0, 0};
  EXPECT_EQ(exif_orientation(ok), 6);
  for (size_t n = 0; n < ok.size(); ++n) {  // every truncation reads as "no orientation"
    std::vector<uint8_t> cut(ok.begin(), ok.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(exif_orientation(cut), 1) << n;
  }
  std::vector<uint8_t> far = ok;
  far[13] = 0xff;  // IFD offset past the end
  EXPECT_EQ(exif_orientation(far), 1);
  std::vector<uint8_t> many = ok;
  many[14] = 0xff, many[15] = 0xff;      // 65535 entries declared
  EXPECT_EQ(exif_orientation(many), 6);  // the first entry is read; none past the segment
  many[16] = 0;                          // now it is not the orientation tag: stop at the end
  EXPECT_EQ(exif_orientation(many), 1);
  std::vector<uint8_t> nine = ok;
  nine[25] = 9;
  EXPECT_EQ(exif_orientation(nine), 1);
}

// ---------------------------------------------------------------- writers

TEST(ImageWrite, PngAndPnmRoundTrip) {
  REQUIRE_CODECS();
  TempDir t;
  Image rgb = npy_image("rgb_png.npy");
  Image rgba = npy_image("rgba_png_rgba.npy");
  Image gray = read_image(kDir + "gray.png", ImageMode::unchanged);
  for (const Image* img : {&rgb, &rgba, &gray}) {
    const std::string p = (t.path / ("w" + std::to_string(img->channels()) + ".png")).string();
    write_png(*img, p);
    EXPECT_EQ(diff(read_image(p, ImageMode::unchanged), *img).max, 0) << img->channels();
  }
  for (const Image* img : {&rgb, &gray}) {
    const std::string p = (t.path / ("w" + std::to_string(img->channels()) + ".pnm")).string();
    write_pnm(*img, p);
    EXPECT_EQ(diff(read_image(p, ImageMode::unchanged), *img).max, 0) << img->channels();
  }
  EXPECT_THROW(encode_pnm(rgba), ValueError);
  EXPECT_THROW(encode_png(Image()), ValueError);
}

// ---------------------------------------------------------------- transforms vs torchvision

TEST(ImageTransforms, ResizeAntialiasMatchesTorchvision) {
  // torchvision computes in float32 and rounds; our sums run in the same order and precision.
  // Tolerance: 1 level (a sum that lands on the other side of a rounding tie, e.g. if a compiler
  // fuses a multiply-add) and 99.5% equal; on this machine all values are identical.
  Image src = npy_image("tf_src.npy");
  for (auto [h, w] : {std::pair{17, 29}, {61, 80}, {20, 90}, {9, 13}, {37, 20}}) {
    Diff d = diff(resize(src, h, w), npy_image("tf_resize_" + std::to_string(h) + "x" + std::to_string(w) + ".npy"));
    EXPECT_LE(d.max, 1) << h << "x" << w;
    EXPECT_GE(d.equal, 0.995) << h << "x" << w;
  }
  Diff d = diff(resize_shorter_side(src, 24), npy_image("tf_resize_shorter_24.npy"));
  EXPECT_LE(d.max, 1);
  EXPECT_GE(d.equal, 0.995);
}

TEST(ImageTransforms, CropsAndFlipAreExact) {
  Image src = npy_image("tf_src.npy");
  EXPECT_EQ(diff(center_crop(src, 20, 30), npy_image("tf_center_crop_20x30.npy")).max, 0);
  EXPECT_EQ(diff(center_crop(src, 45, 60), npy_image("tf_center_crop_45x60.npy")).max, 0);
  EXPECT_EQ(diff(hflip(src), npy_image("tf_hflip.npy")).max, 0);
  EXPECT_THROW(crop(src, 30, 0, 10, 10), IndexError);
}

TEST(ImageTransforms, RotateMatchesTorchvision) {
  // Bilinear sampling at coordinates computed in float32 like torchvision's affine grid; same
  // tolerance as resize (identical here).
  Image src = npy_image("tf_src.npy");
  for (int a : {15, -30}) {
    Diff d = diff(rotate(src, a), npy_image("tf_rotate_" + std::to_string(a) + ".npy"));
    EXPECT_LE(d.max, 1) << a;
    EXPECT_GE(d.equal, 0.995) << a;
  }
}

TEST(ImageTransforms, ColourAdjustmentsMatchTorchvision) {
  // Truncation to uint8 as torchvision's _blend; same tolerance as resize (identical here).
  Image src = npy_image("tf_src.npy");
  struct Case {
    Image (*fn)(const Image&, double);
    const char* name;
    double f;
  };
  for (const Case& c : {Case{adjust_brightness, "brightness", 1.3}, Case{adjust_brightness, "brightness", 0.6},
                        Case{adjust_contrast, "contrast", 1.4}, Case{adjust_contrast, "contrast", 0.5},
                        Case{adjust_saturation, "saturation", 1.5}, Case{adjust_saturation, "saturation", 0.3}}) {
    char f[16];
    std::snprintf(f, sizeof f, "%g", c.f);
    Diff d = diff(c.fn(src, c.f), npy_image(std::string("tf_") + c.name + "_" + f + ".npy"));
    EXPECT_LE(d.max, 1) << c.name << " " << c.f;
    EXPECT_GE(d.equal, 0.995) << c.name << " " << c.f;
  }
}

TEST(ImageTransforms, NormalizedTensorMatchesTorchvision) {
  Tensor got = to_normalized_tensor(npy_image("tf_src.npy"), kImageNetMean, kImageNetStd);
  Tensor ref = io::load_npy(kDir + "tf_normalized.npy");
  ASSERT_EQ(got.shape(), ref.shape());
  std::vector<float> a = to_vector<float>(got), b = to_vector<float>(ref);
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  EXPECT_LE(worst, 1e-6f);
}

TEST(ImageTransforms, RandomOnesAreFixedBySeed) {
  Image src = npy_image("tf_src.npy");
  AugmentOptions all = parse_augment("crop,flip,rotate,color");
  Generator g1(7), g2(7), g3(8);
  Image a = augment(src, all, g1), b = augment(src, all, g2), c = augment(src, all, g3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.height(), src.height());
  EXPECT_EQ(a.width(), src.width());
  Generator g(3);
  for (int i = 0; i < 200; ++i) {
    CropBox box = random_resized_crop_box(37, 53, g, 0.5, 1.0);
    ASSERT_GE(box.top, 0);
    ASSERT_GE(box.left, 0);
    ASSERT_LE(box.top + box.height, 37);
    ASSERT_LE(box.left + box.width, 53);
    const double area = double(box.height * box.width) / (37.0 * 53.0);
    EXPECT_GT(area, 0.45);
  }
  EXPECT_EQ(augment_list(parse_augment("rotate,crop")), "crop,rotate");
  EXPECT_EQ(augment_list(parse_augment("none")), "none");
  expect_error_mentions<ValueError>([] { parse_augment("crop,blur"); }, {"--augment", "'blur'", "crop, flip"});
}

// ---------------------------------------------------------------- ImageFolder and the split

namespace {

// A small folder: classes b (3 images), a (2), 猫 (1, Chinese), c (only junk), plus junk files.
void make_folder(const fs::path& root) {
  const std::vector<uint8_t> png = bytes_of(kDir + "rgb.png"), jpg = bytes_of(kDir + "rgb.jpg"),
                             gray = bytes_of(kDir + "gray.pgm"), bmp = bytes_of(kDir + "rgb24.bmp");
  put_file(root / "b" / "1.png", png);
  put_file(root / "b" / "2.JPG", jpg);
  put_file(root / "b" / "sub" / "3.bmp", bmp);
  put_file(root / "a" / "x y.pgm", gray);
  put_file(root / "a" / "no_extension", png);      // an image by its bytes
  put_file(root / "a" / "notes.txt", {'h', 'i'});  // ignored
  put_file(root / "a" / ".hidden.png", png);       // ignored
  put_file(root / "猫" / "猫.jpg", jpg);
  put_file(root / "c" / "empty.jpg", {});
  put_file(root / "c" / "text.png", {'n', 'o', 'p', 'e'});
  fs::create_directories(root / "d_empty");
}

}  // namespace

TEST(ImageFolderTest, ClassesFilesSkippedAndLabels) {
  REQUIRE_CODECS();
  TempDir t;
  make_folder(t.path);
  ImageFolderOptions o;
  o.image_size = 16;
  ImageFolder f(t.path.string(), o);
  EXPECT_EQ(f.classes(), (std::vector<std::string>{"a", "b", "猫"}));  // byte order; c and d have no images
  EXPECT_EQ(f.empty_classes(), (std::vector<std::string>{"c", "d_empty"}));
  EXPECT_EQ(f.size(), 6);
  EXPECT_EQ(f.class_counts(), (std::vector<int64_t>{2, 3, 1}));
  ASSERT_EQ(f.skipped().size(), 2u);
  EXPECT_EQ(f.skipped()[0].path, (t.path / "c" / "empty.jpg").string());
  EXPECT_NE(f.skipped()[0].message().find("empty"), std::string::npos);
  EXPECT_NE(f.skipped()[1].message().find("text.png"), std::string::npos);
  EXPECT_EQ(f.candidates(), 8);
  EXPECT_EQ(f.path(2), (t.path / "b" / "1.png").string());
  EXPECT_EQ(f.path(3), (t.path / "b" / "2.JPG").string());
  Example e = f.get(5);
  EXPECT_EQ(e.data.shape(), (Shape{3, 16, 16}));
  EXPECT_EQ(e.target.item<int64_t>(), 2);
  // The preprocessing is torchvision's Resize(16) + CenterCrop(16) of the decoded image.
  EXPECT_EQ(f.image(0), center_crop(resize_shorter_side(read_image(f.path(0)), 16), 16, 16));

  // Without the cache every image is decoded again: the same tensors.
  ImageFolderOptions nc = o;
  nc.cache_limit_bytes = 0;
  ImageFolder g(t.path.string(), nc);
  EXPECT_TRUE(f.cached());
  EXPECT_FALSE(g.cached());
  for (int64_t i = 0; i < f.size(); ++i) EXPECT_TRUE(test_util::same_bits(f.get(i).data, g.get(i).data)) << i;
}

TEST(ImageFolderTest, BadFolders) {
  REQUIRE_CODECS();
  TempDir t;
  expect_error_mentions<IoError>([&] { ImageFolder((t.path / "missing").string(), {}); },
                                 {"missing", "does not exist"});
  expect_error_mentions<ValueError>([&] { ImageFolder(t.path.string(), {}); }, {"no class folders"});
  put_file(t.path / "only" / "1.png", bytes_of(kDir + "rgb.png"));
  expect_error_mentions<ValueError>([&] { ImageFolder(t.path.string(), {}); }, {"1 class(es)", "only", "at least 2"});
  ImageFolderOptions fixed;
  fixed.classes = {"x", "y"};
  expect_error_mentions<ValueError>([&] { ImageFolder(t.path.string(), fixed); }, {"'only'", "x, y"});
  fixed.classes = {"z", "only"};
  ImageFolder f(t.path.string(), fixed);  // given classes: labels follow them, empty ones stay
  EXPECT_EQ(f.label(0), 1);
  EXPECT_EQ(f.classes().size(), 2u);
}

TEST(ImageFolderTest, StratifiedSplitIsPerClassAndSeeded) {
  std::vector<int64_t> labels;
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < (c == 3 ? 1 : 10 * (c + 1)); ++i) labels.push_back(c);  // 10, 20, 30, 1
  StratifiedSplit s = stratified_split(labels, 4, 0.2, 5);
  std::vector<int64_t> val_per(4, 0), train_per(4, 0);
  for (int64_t i : s.val) ++val_per[static_cast<size_t>(labels[static_cast<size_t>(i)])];
  for (int64_t i : s.train) ++train_per[static_cast<size_t>(labels[static_cast<size_t>(i)])];
  EXPECT_EQ(val_per, (std::vector<int64_t>{2, 4, 6, 0}));
  EXPECT_EQ(train_per, (std::vector<int64_t>{8, 16, 24, 1}));
  EXPECT_EQ(s.train_only_classes, (std::vector<int64_t>{3}));
  EXPECT_EQ(stratified_split(labels, 4, 0.2, 5).val, s.val);
  EXPECT_NE(stratified_split(labels, 4, 0.2, 6).val, s.val);
  StratifiedSplit none = stratified_split(labels, 4, 0.0, 5);
  EXPECT_TRUE(none.val.empty());
  EXPECT_EQ(none.train.size(), labels.size());
  EXPECT_THROW(stratified_split(labels, 4, 1.0, 5), ValueError);
}

TEST(ImageFolderTest, AugmentationIsFixedBySeedEpochAndIndex) {
  REQUIRE_CODECS();
  TempDir t;
  make_folder(t.path);
  ImageFolderOptions o;
  o.image_size = 16;
  auto f = std::make_shared<ImageFolder>(t.path.string(), o);
  AugmentedSubset a(f, {0, 2, 4}, AugmentOptions{}, 11), b(f, {0, 2, 4}, AugmentOptions{}, 11);
  auto [one, two] = test_util::with_1_and_2_threads([&] { return a.get(1).data; });
  EXPECT_TRUE(test_util::same_bits(one, two));
  EXPECT_TRUE(test_util::same_bits(a.get(1).data, b.get(1).data));
  Tensor e0 = a.get(1).data;
  a.set_epoch(1);
  EXPECT_FALSE(test_util::same_bits(a.get(1).data, e0));
  EXPECT_EQ(a.get(1).target.item<int64_t>(), f->label(2));
}

// ---------------------------------------------------------------- the small CNN

TEST(SmallCnn, MatchesItsPyTorchTwin) {
  // tools/fixtures/torch_models.py SmallCnn(7): same parameter names and shapes, and in float64
  // the same logits (train and eval mode), gradients and running statistics.
  io::SafetensorsFile f = io::load_safetensors(kDir + "small_cnn.safetensors");
  auto net = models::create("cnn", 7);
  nn::StateDict weights;
  for (const auto& [k, t] : f.tensors)
    if (k.rfind("param.", 0) == 0) weights.emplace_back(k.substr(6), t);
  net->load_state_dict(weights, true);
  net->to(DType::f64);
  auto close = [](const Tensor& a, const Tensor& b, const std::string& what) {
    ASSERT_EQ(a.shape(), b.shape()) << what;
    std::vector<double> x = to_vector<double>(a), y = to_vector<double>(b);
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(x[i] - y[i]) / (1.0 + std::fabs(y[i])));
    EXPECT_LE(worst, 1e-10) << what;
  };
  net->train();
  Tensor logits = (*net)(to(*f.find("input"), DType::f64));
  close(logits, *f.find("train_logits"), "train_logits");
  cross_entropy(logits, *f.find("target")).backward();
  int grads = 0;
  for (const auto& [name, p] : net->named_parameters())
    if (const Tensor* g = f.find("grad." + name)) {
      close(p.grad(), *g, "grad." + name);
      ++grads;
    }
  EXPECT_EQ(grads, 11);  // bn1..bn4 weight and bias, conv1, fc weight and bias
  for (const auto& [name, b] : net->named_buffers())
    if (const Tensor* a = f.find("after." + name)) close(b, *a, name);
  net->eval();
  close((*net)(to(*f.find("input"), DType::f64)), *f.find("eval_logits"), "eval_logits");
  // Any input size from 16 pixels: the head pools globally.
  EXPECT_EQ((*net)(zeros({1, 3, 17, 33}, DType::f64)).shape(), (Shape{1, 7}));
  expect_error_mentions<ValueError>([] { models::create("resnet9000", 3); }, {"resnet9000", "cnn"});
}
