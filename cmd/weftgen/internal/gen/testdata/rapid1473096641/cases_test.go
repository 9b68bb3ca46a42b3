package rapidpkg

import (
	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

var cases = []struct {
	body func(a *weft.A, env *Env, p int) int
	gen  func(env *Env, p int) future.Future[int]
}{
	{F0, func(e *Env, p int) future.Future[int] { return F0Future(e, p) }},
	{F1, func(e *Env, p int) future.Future[int] { return F1Future(e, p) }},
	{F2, func(e *Env, p int) future.Future[int] { return F2Future(e, p) }},
	{F3, func(e *Env, p int) future.Future[int] { return F3Future(e, p) }},
	{F4, func(e *Env, p int) future.Future[int] { return F4Future(e, p) }},
	{F5, func(e *Env, p int) future.Future[int] { return F5Future(e, p) }},
	{F6, func(e *Env, p int) future.Future[int] { return F6Future(e, p) }},
	{F7, func(e *Env, p int) future.Future[int] { return F7Future(e, p) }},
	{F8, func(e *Env, p int) future.Future[int] { return F8Future(e, p) }},
	{F9, func(e *Env, p int) future.Future[int] { return F9Future(e, p) }},
	{F10, func(e *Env, p int) future.Future[int] { return F10Future(e, p) }},
}
