// The statistics chart: journeys per day, one stacked bar per day, one colour per outcome,
// from the page's own JSON (no second request); no animation, so a screenshot is the chart.
(function () {
  "use strict";
  const PALETTE = ["#0066cc", "#008055", "#cc334d", "#a66300", "#5d7083", "#7a3eb1",
                   "#00a3a3", "#e07a00", "#004d99", "#8c1c3a", "#3f8c00", "#995c00"];
  const chart = JSON.parse(document.getElementById("chart-data").textContent);
  const canvas = document.getElementById("journeys-chart");
  Chart.defaults.font.family = "'Titillium Web', sans-serif";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: chart.series.map((series, index) => ({
        label: series.label,
        data: series.data,
        backgroundColor: PALETTE[index % PALETTE.length],
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  });
  canvas.dataset.drawn = "true";
})();
