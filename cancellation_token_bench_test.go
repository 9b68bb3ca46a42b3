package weft_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// BenchmarkCancellationTokenChild makes a child of a long-lived token and
// releases it. Twin: BenchmarkContextWithCancel.
func BenchmarkCancellationTokenChild(b *testing.B) {
	root := weft.NewCancellationToken()
	b.ReportAllocs()
	for b.Loop() {
		root.Child().Detach()
	}
}

// BenchmarkContextWithCancel derives a cancellable context and cancels it.
func BenchmarkContextWithCancel(b *testing.B) {
	root, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		_, c := context.WithCancel(root)
		c()
	}
}

// BenchmarkCancelledFuturePollPending polls a waiting Cancelled future (the
// check a task makes each time it is woken for something else). Twin:
// BenchmarkContextDoneCheck.
func BenchmarkCancelledFuturePollPending(b *testing.B) {
	tok := weft.NewCancellationToken()
	f := tok.Cancelled()
	cx := future.NewContext(future.Noop())
	b.ReportAllocs()
	for b.Loop() {
		f.Poll(cx)
	}
	b.StopTimer()
	f.Drop()
}

// BenchmarkContextDoneCheck checks a context for cancellation without
// blocking.
func BenchmarkContextDoneCheck(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		select {
		case <-ctx.Done():
			b.Fatal("done")
		default:
		}
	}
}

// BenchmarkCancellationTokenCancelWakes cancels a token with one waiting
// future. Twin: BenchmarkContextCancelWakes.
func BenchmarkCancellationTokenCancelWakes(b *testing.B) {
	cx := future.NewContext(future.Noop())
	b.ReportAllocs()
	for b.Loop() {
		tok := weft.NewCancellationToken()
		f := tok.Cancelled()
		f.Poll(cx)
		tok.Cancel()
		f.Poll(cx)
	}
}

// BenchmarkContextCancelWakes cancels a context one goroutine-free waiter
// (a context.AfterFunc) watches.
func BenchmarkContextCancelWakes(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan struct{})
		context.AfterFunc(ctx, func() { close(ran) })
		cancel()
		<-ran
	}
}
