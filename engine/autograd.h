#pragma once
// Reverse-mode autograd. Ops record a Node per result while grad mode is on and any input
// requires grad. backward() walks the graph in reverse topological order, accumulating
// gradients, and releases each node's saved tensors as soon as it has run, so intermediate
// activations are freed during the backward pass rather than at its end.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace tailor {

struct Edge {
  std::shared_ptr<Node> fn;          // the producer's node, or
  std::shared_ptr<TensorImpl> leaf;  // a leaf that requires grad, or neither (no grad needed)
  bool active() const { return fn || leaf; }
};

struct Node {
  // Given d(loss)/d(output), returns d(loss)/d(input_i) for each input. Entries may be left
  // undefined where needs[i] is false. The closure owns the tensors saved for backward; it
  // must not capture the op's own output Tensor (that would be a cycle): capture
  // output.detach() instead.
  using BackwardFn =
      std::function<std::vector<Tensor>(const Tensor& grad, const std::vector<bool>& needs)>;

  std::string op;
  std::vector<Edge> edges;
  BackwardFn backward;

  void release() { backward = nullptr; }
};

// Whether ops record history (thread-local; on by default).
bool grad_mode_enabled();

// Turns recording off for its lifetime: inference, optimizer updates, BN statistic updates.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Whether an op on `inputs` records history: grad mode is on and one of them requires grad.
bool records_history(const std::vector<Tensor>& inputs);

// Makes `out` the result of op `op` on `inputs`, recording `fn` for backward when needed.
// Returns `out` (with grad_fn set when recorded).
Tensor record_op(Tensor out, const char* op, const std::vector<Tensor>& inputs,
                 Node::BackwardFn fn);

// Runs backward from `root`. `grad` defaults to 1 for a scalar root.
void run_backward(const Tensor& root, const Tensor& grad);

// The time each recorded op's backward took (its closure plus the accumulation of the gradients
// it returned), keyed by op and output-gradient shape, e.g. "pointwise_conv2d [10,19,19,512]",
// for backward passes run on this thread while the profile is alive. Host time: on a GPU it
// is the time to queue the work. For `bench model --layers`; off, it costs one branch per node.
class BackwardProfile {
 public:
  struct OpTime {
    std::string op;
    Shape grad_shape;
    int calls = 0;
    double ms = 0;
  };

  BackwardProfile();
  ~BackwardProfile();
  BackwardProfile(const BackwardProfile&) = delete;
  BackwardProfile& operator=(const BackwardProfile&) = delete;

  void add(const std::string& op, const Shape& grad_shape, double ms);
  // In the order first run, which is the backward's order.
  const std::vector<OpTime>& ops() const { return ops_; }

 private:
  std::vector<OpTime> ops_;
  BackwardProfile* previous_;
};

}  // namespace tailor
