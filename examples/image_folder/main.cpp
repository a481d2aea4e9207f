// Transfer learning on a folder of photos with the C++ API (docs/cpp-tutorial.md): what
// `hangu train --data FOLDER --model resnet18 --init BACKBONE --freeze-backbone` does, by hand.
// Usage: example_image_folder FOLDER [BACKBONE.safetensors] [EPOCHS]
//   FOLDER: one subfolder per class; BACKBONE: torchvision-named ResNet-18 weights (the head may
//   have another number of classes: it is skipped).
#include <cstdio>
#include <memory>
#include <string>

#include "hangu/hangu.h"

using namespace hangu;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: example_image_folder FOLDER [BACKBONE.safetensors] [EPOCHS]\n");
    return 2;
  }
  const std::string backbone = argc > 2 ? argv[2] : "";
  const int64_t epochs = argc > 3 ? std::stoll(argv[3]) : 3;
  manual_seed(0);

  // 1. The data: decoded once, resized to 56 x 56, normalised with ImageNet's mean and std;
  //    20% of each class for validation; random crops, rotations and colour changes for training.
  data::ImageFolderOptions fo;
  fo.image_size = 56;
  auto folder = std::make_shared<data::ImageFolder>(argv[1], fo);
  const auto num_classes = static_cast<int64_t>(folder->classes().size());
  data::StratifiedSplit split = data::stratified_split(folder->labels(), num_classes, 0.2, /*seed=*/0);
  auto train = std::make_shared<data::AugmentedSubset>(folder, split.train, data::AugmentOptions{}, /*seed=*/0);
  auto val = std::make_shared<data::Subset>(folder, split.val);
  data::DataLoader train_loader(train, data::DataLoaderOptions{.batch_size = 32, .shuffle = true, .seed = 0});
  data::DataLoader val_loader(val, data::DataLoaderOptions{.batch_size = 100});
  std::printf("%lld classes, %lld training and %lld validation images\n", static_cast<long long>(num_classes),
              static_cast<long long>(train->size()), static_cast<long long>(val->size()));

  // 2. The model: a ResNet-18 for our classes; optionally a pretrained backbone, frozen.
  auto model = models::create_vision_model("resnet18", num_classes, fo.image_size);
  if (!backbone.empty()) {
    models::BackboneLoad r = models::load_backbone(*model, "resnet18", models::read_init_tensors(backbone), backbone);
    model->freeze_backbone();  // only the head (fc) keeps requires_grad; BatchNorm stays in eval
    std::printf("loaded %lld backbone tensors; training the head only\n", static_cast<long long>(r.loaded));
  }
  std::vector<Tensor> trainable;
  for (const Tensor& p : model->parameters())
    if (p.requires_grad()) trainable.push_back(p);
  optim::AdamWOptions o;
  o.lr = 2e-3;
  optim::AdamW opt(trainable, o);

  // 3. Train and validate.
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    model->train();
    train->set_epoch(epoch);  // this epoch's augmentation
    for (auto it = train_loader.epoch(epoch); auto batch = it.next();) {
      opt.zero_grad();
      Tensor loss = cross_entropy((*model)(batch->data), batch->target);
      loss.backward();
      opt.step();
    }
    NoGradGuard no_grad;
    model->eval();
    int64_t correct = 0;
    for (auto it = val_loader.epoch(0); auto batch = it.next();)
      correct += sum(eq(argmax((*model)(batch->data), 1), batch->target)).item<int64_t>();
    std::printf("epoch %lld: validation accuracy %.2f%%\n", static_cast<long long>(epoch + 1),
                100.0 * static_cast<double>(correct) / static_cast<double>(val->size()));
  }
  nn::save_weights(*model, "classifier.safetensors");
  return 0;
}
