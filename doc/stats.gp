# stats.gp - plots what `mqgraph run --stats FILE` wrote (doc/control.md):
#   jq -r '[.uptime_s,
#           (.blocks[] | select(.name == "thr") | .items_out_per_s),
#           (.pools[0].in_use)] | @tsv' live.jsonl > live.tsv
#   gnuplot -e "in='live.tsv'; out='live.png'" doc/stats.gp
if (!exists("in")) in = 'live.tsv'
if (!exists("out")) out = 'live.png'
set terminal pngcairo size 900,420 font "sans,10"
set output out
set title "graphs/live.yaml with mqgraph run --stats: thr.rate set to 96000, then 24000"
set xlabel "seconds since the start"
set ylabel "items out of thr per second"
set y2label "4 KiB buffers in use"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid
set key top left
plot in using 1:2 with linespoints lw 2 title "thr items/s", \
     in using 1:3 axes x1y2 with steps lw 1 title "buffers in use (pool 0)"
