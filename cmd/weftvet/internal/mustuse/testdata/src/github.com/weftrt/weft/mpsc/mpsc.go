// Package mpsc is a stand-in for weft's mpsc package.
package mpsc

import "github.com/weftrt/weft/future"

// Sender sends.
type Sender[T any] struct{}

// SendFuture sends one value.
type SendFuture[T any] struct{}

// Send returns a send future.
func (s *Sender[T]) Send(v T) *SendFuture[T] { return &SendFuture[T]{} }

// Poll polls the send.
func (f *SendFuture[T]) Poll(*future.Context) (error, bool) { return nil, false }
