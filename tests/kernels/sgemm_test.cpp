#include "kernels/cpu/sgemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/thread_pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using testing::random_floats;

struct GemmCase {
  int64_t M, N, K;
};

// Runs sgemm and sgemm_ref on the same random operands (with leading dimensions padded past
// the logical width, so ld handling is exercised) and compares C.
void check_gemm(const GemmCase& s, bool ta, bool tb, float alpha, float beta, std::mt19937& rng) {
  const int64_t a_rows = ta ? s.K : s.M, a_cols = ta ? s.M : s.K;
  const int64_t b_rows = tb ? s.N : s.K, b_cols = tb ? s.K : s.N;
  const int64_t lda = a_cols + 3, ldb = b_cols + 1, ldc = s.N + 5;
  const std::vector<float> A = random_floats(a_rows * lda, rng);
  const std::vector<float> B = random_floats(b_rows * ldb, rng);
  std::vector<float> C = random_floats(s.M * ldc, rng), C_ref = C;
  k::sgemm(ta, tb, s.M, s.N, s.K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  k::sgemm_ref(ta, tb, s.M, s.N, s.K, alpha, A.data(), lda, B.data(), ldb, beta, C_ref.data(), ldc);
  // Products of values in [-1, 1]: float rounding grows at most linearly in K.
  const double atol = 2e-6 * (s.K + 4) * (std::fabs(alpha) + 1);
  EXPECT_CLOSE_VECTORS(C, C_ref, atol, 1e-5,
                       ::testing::Message()
                           << "M=" << s.M << " N=" << s.N << " K=" << s.K << " ta=" << ta
                           << " tb=" << tb << " alpha=" << alpha << " beta=" << beta);
}

class Sgemm : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(Sgemm, MatchesReferenceForAllTransposesAndScalings) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(7);
  // Odd sizes straddle every tile edge; K = 300 and 600 take several K slices; N = 1100 spans
  // two column blocks; M = 400 several row blocks. N >= 300 packs A (full panels transposed
  // in registers, whole vectors of K then a tail; a short last panel element by element).
  const GemmCase cases[] = {{1, 1, 1},     {7, 13, 5},      {37, 45, 300}, {100, 33, 17},
                            {13, 70, 600}, {400, 1100, 20}, {3, 2, 1000},  {50, 300, 300}};
  const std::pair<float, float> scalings[] = {{1.f, 0.f}, {0.5f, 2.f}, {-1.5f, 1.f}};
  for (const GemmCase& s : cases)
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (auto [alpha, beta] : scalings) check_gemm(s, ta, tb, alpha, beta, rng);
}

// Long K with a small C (weight gradients over a batch's pixels) is cut along K into pieces
// whose partial products are added in order: still the reference's answer, and bit for bit
// the same whatever the thread count.
TEST_P(Sgemm, LongKPiecesMatchReferenceAndIgnoreThreadCount) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(11);
  const std::pair<float, float> scalings[] = {{1.f, 0.f}, {0.5f, 2.f}};
  for (const GemmCase& s : {GemmCase{24, 40, 20000}, GemmCase{13, 70, 12289}})
    for (bool ta : {false, true})
      for (auto [alpha, beta] : scalings) check_gemm(s, ta, false, alpha, beta, rng);
  const int64_t M = 20, N = 36, K = 30000;
  const std::vector<float> A = testing::random_floats(K * M, rng),
                           B = testing::random_floats(K * N, rng);
  std::vector<std::vector<float>> out;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    out.emplace_back(M * N);
    k::sgemm(true, false, M, N, K, 1.f, A.data(), M, B.data(), N, 0.f, out.back().data(), N);
  }
  set_num_threads(0);
  EXPECT_EQ(out[0], out[1]);
  EXPECT_EQ(out[0], out[2]);
}

TEST_P(Sgemm, BetaZeroIgnoresGarbageInC) {
  k::ScopedKernelSimdLevel level(GetParam());
  const std::vector<float> A{1, 2, 3, 4}, B{5, 6, 7, 8};  // 2x2 each
  std::vector<float> C(4, std::numeric_limits<float>::quiet_NaN());
  k::sgemm(false, false, 2, 2, 2, 1.f, A.data(), 2, B.data(), 2, 0.f, C.data(), 2);
  EXPECT_EQ(C, (std::vector<float>{19, 22, 43, 50}));
}

TEST_P(Sgemm, AlphaZeroOrEmptyKOnlyScalesC) {
  k::ScopedKernelSimdLevel level(GetParam());
  const std::vector<float> A{1, 2}, B{3, 4};
  std::vector<float> C{1, 2, 3, 4};
  k::sgemm(false, false, 2, 2, 1, 0.f, A.data(), 1, B.data(), 2, 3.f, C.data(), 2);
  EXPECT_EQ(C, (std::vector<float>{3, 6, 9, 12}));
  k::sgemm(false, false, 2, 2, 0, 1.f, A.data(), 1, B.data(), 2, 0.f, C.data(), 2);
  EXPECT_EQ(C, (std::vector<float>{0, 0, 0, 0}));
}

INSTANTIATE_TEST_SUITE_P(Levels, Sgemm, ::testing::ValuesIn(testing::runnable_simd_levels()),
                         [](const auto& info) { return std::string(simd_level_name(info.param)); });

}  // namespace
}  // namespace tailor
