// Placeholder entry point; the real CLI lives in this folder.
#include <cstdio>

int main() {
  std::puts("hangu");
  return 0;
}
