#pragma once
// Matrix products with torch.matmul's rules, and einsum. Operands must share one dtype (every
// dtype but bool); 16-bit floats accumulate in float, integers in int64. Shape errors name both
// shapes.
#include <string>
#include <vector>

#include "hangu/core/scalar.h"
#include "hangu/core/tensor.h"

namespace hangu {

// 1-D x 1-D: dot product (0-d); 2-D x 2-D: mm; a 1-D operand gets a dim added (front for a,
// back for b) that is removed from the result; otherwise batched over broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);   // [n, k] x [k, m]
Tensor bmm(const Tensor& a, const Tensor& b);  // [b, n, k] x [b, k, m]
Tensor mv(const Tensor& a, const Tensor& v);   // [n, k] x [k]
Tensor dot(const Tensor& a, const Tensor& b);  // [k] x [k] -> 0-d
// a[i] * b[j] with type promotion, as torch.outer.
Tensor outer(const Tensor& a, const Tensor& b);
// beta * input + alpha * (m1 @ m2); input broadcasts to the result. beta = 0 ignores input.
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta = 1,
               const Scalar& alpha = 1);
// Einstein summation, e.g. "bhqd,bhkd->bhqk" or "...ij,...jk->...ik"; without "->" the output
// holds the labels seen once, sorted. Repeated labels in one operand take its diagonal.
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);

}  // namespace hangu
