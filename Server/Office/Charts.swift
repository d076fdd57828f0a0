import KAMProtocol

/// A bar chart's geometry, drawn as SVG by the `bars` template.
struct BarChart: Sendable {
    struct Bar: Sendable {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        var centerX: Int
        var valueY: Int
        var labelY: Int
        var label: String
        var value: String
        /// A CSS class for the bar's colour.
        var kind: String
    }

    struct GridLine: Sendable {
        var x1: Int
        var x2: Int
        var y: Int
        var labelX: Int
        var labelY: Int
        var label: String
    }

    var title: String
    var width: Int
    var height: Int
    var bars: [Bar]
    var gridLines: [GridLine]

    /// One bar per item, scaled to `maximum` (or the largest value), with grid
    /// lines at quarters of the scale labelled by `axis`.
    init(title: String, items: [(label: String, value: Double, text: String, kind: String)], maximum: Double? = nil,
         axis: (Double) -> String, width: Int = 720, height: Int = 260) {
        self.title = title
        self.width = width
        self.height = height
        let left = 48, right = 12, top = 22, bottom = 34
        let plotHeight = height - top - bottom
        // Without a given maximum the scale ends on a multiple of four, so that whole counts label the grid.
        let scale = maximum ?? max((((items.map(\.value).max() ?? 0) / 4).rounded(.up)) * 4, 4)
        let slot = items.isEmpty ? 0 : (width - left - right) / items.count
        bars = items.enumerated().map { index, item in
            let barHeight = Int((Double(plotHeight) * min(max(item.value, 0), scale) / scale).rounded())
            let x = left + index * slot + slot / 6
            let barWidth = max(slot * 2 / 3, 2)
            let y = top + plotHeight - barHeight
            return Bar(
                x: x, y: y, width: barWidth, height: barHeight, centerX: x + barWidth / 2, valueY: y - 6,
                labelY: height - bottom + 18, label: item.label, value: item.text, kind: item.kind)
        }
        gridLines = (0...4).map { step in
            let y = top + plotHeight - plotHeight * step / 4
            return GridLine(x1: left, x2: width - right, y: y, labelX: left - 6, labelY: y + 4, label: axis(scale * Double(step) / 4))
        }
    }
}

/// The value pyramid's geometry: four layers, platinum at the top, drawn by the `pyramid-chart` template.
struct PyramidChart: Sendable {
    struct Layer: Sendable {
        var tier: String
        var accounts: Int
        var sales: String
        var points: String
        var textX: Int
        var textY: Int
    }

    var title: String
    var width = 720
    var height = 280
    var layers: [Layer]

    init(title: String, report: PyramidReport) {
        self.title = title
        let rows = report.tiers
        let layerHeight = (height - 20) / max(rows.count, 1)
        let center = width / 2
        let base = width - 40
        layers = rows.enumerated().map { index, row in
            // The outline is the pyramid of the definition; the labels carry the numbers.
            let topY = 10 + index * layerHeight
            let bottomY = topY + layerHeight - 4
            let topHalf = base * index / rows.count / 2 + 60
            let bottomHalf = base * (index + 1) / rows.count / 2 + 60
            let points = [
                (center - topHalf, topY), (center + topHalf, topY), (center + bottomHalf, bottomY), (center - bottomHalf, bottomY),
            ].map { "\($0.0),\($0.1)" }.joined(separator: " ")
            return Layer(
                tier: row.tier.rawValue, accounts: row.accounts, sales: row.ourSales.description, points: points,
                textX: center, textY: (topY + bottomY) / 2 + 5)
        }
    }
}
