package prometheus_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/weftrt/weft"
	"github.com/weftrt/weft/debug/prometheus"
	"github.com/weftrt/weft/future"
)

// Register a runtime's collector with a Prometheus registry; serve the
// registry with promhttp.HandlerFor as usual.
func ExampleNewCollector() {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()

	reg := promclient.NewRegistry()
	reg.MustRegister(prometheus.NewCollector(rt, prometheus.WithConstLabels(promclient.Labels{"runtime": "main"})))

	h := weft.Spawn(rt, future.Ready(42))
	if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
		log.Fatal(err)
	}

	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "weft_spawned_tasks_total", "weft_worker_polls_total":
			m := mf.GetMetric()[0]
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			fmt.Printf("%s{%s} %v\n", mf.GetName(), strings.Join(labels, ","), m.GetCounter().GetValue())
		}
	}
	// Output:
	// weft_spawned_tasks_total{runtime=main} 1
	// weft_worker_polls_total{runtime=main,worker=0} 1
}
