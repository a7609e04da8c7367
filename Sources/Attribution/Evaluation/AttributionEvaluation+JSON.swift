import STIX

extension AttributionEvaluation {
    /// The evaluation as one JSON document: for each protocol (`campaigns`, `reports`, `loco`)
    /// and each scorer (`vigil` and the baselines) `n`, `top1`, `top5`, `top10`, `mrr`, the 95%
    /// Wilson intervals and the per-case ranks; then the open-set figures, the reliability table
    /// and the model's parameters.
    public var json: JSONValue {
        var document: [(String, JSONValue)] = []
        for result in protocols {
            var scorers: [(String, JSONValue)] = []
            for scorer in result.scorers {
                let m = scorer.metrics
                scorers.append((scorer.scorer, object([
                    ("n", .int(Int64(m.n))), ("top1", .double(m.top1.value)), ("top5", .double(m.top5.value)),
                    ("top10", .double(m.top10.value)), ("mrr", .double(m.mrr)),
                    ("mrr_ci95", .array([.double(m.mrrInterval.lowerBound), .double(m.mrrInterval.upperBound)])),
                    ("top1_ci95", interval(m.top1)), ("top5_ci95", interval(m.top5)), ("top10_ci95", interval(m.top10)),
                    ("ranks", .array(scorer.ranks.map { rank in
                        object([
                            ("case", .string(rank.name)), ("truth", .string(rank.truth)), ("rank", .int(Int64(rank.outcome.rank))),
                            ("ties", .int(Int64(rank.outcome.ties))), ("reciprocal_rank", .double(rank.outcome.reciprocalRank)),
                        ])
                    })),
                ])))
            }
            var entries: [(String, JSONValue)] = scorers
            entries.append(("open_set", object([
                ("closed_cases", .int(Int64(result.closedCount))), ("open_cases", .int(Int64(result.openCount))),
                ("unknown_rate_open", optional(result.unknownRateOpen)),
                ("unknown_rate_closed", optional(result.unknownRateClosed)),
                ("auroc_top_confidence", optional(result.openSetAUROC)),
            ])))
            document.append((result.evaluationProtocol.rawValue, object(entries)))
        }
        let pooled = pooledOpenSet
        document.append(("open_set", object([
            ("open_cases", .int(Int64(verdicts.filter { !$0.closedSet }.count))),
            ("closed_cases", .int(Int64(verdicts.filter(\.closedSet).count))),
            ("unknown_rate_open", optional(pooled.unknownRateOpen)), ("unknown_rate_closed", optional(pooled.unknownRateClosed)),
            ("auroc_top_confidence", optional(pooled.auroc)),
        ])))
        document.append(("calibration", object([
            ("bins", .array(reliability.map(binJSON))),
            ("words", .array(wordBands.map(binJSON))),
            ("verdicts", .array(verdicts.map { verdict in
                object([
                    ("protocol", .string(verdict.evaluationProtocol.rawValue)), ("case", .string(verdict.name)),
                    ("truth", .string(verdict.truth)), ("closed_set", .bool(verdict.closedSet)),
                    ("answer", verdict.answer.map(JSONValue.string) ?? .null), ("confidence", .int(Int64(verdict.confidence))),
                    ("correct", .bool(verdict.correct)), ("top_group", verdict.topGroup.map(JSONValue.string) ?? .null),
                    ("top_probability", .double(verdict.topProbability)), ("top_correct", .bool(verdict.topCorrect)),
                ])
            })),
        ])))
        document.append(("model", model.parametersJSON))
        return object(document)
    }

    private func binJSON(_ bin: ReliabilityBin) -> JSONValue {
        object([
            ("label", .string(bin.label)), ("n", .int(Int64(bin.n))), ("mean_confidence", .double(bin.meanConfidence)),
            ("accuracy", .double(bin.accuracy.value)), ("accuracy_ci95", interval(bin.accuracy)),
        ])
    }

    private func interval(_ proportion: Proportion) -> JSONValue { .array([.double(proportion.lower), .double(proportion.upper)]) }
    private func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
    private func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members.map { (key: $0.0, value: $0.1) })) }
}

extension AttributionModel {
    /// The fitted parameters as JSON (what `vigil attribution fit --json` prints).
    public var parametersJSON: JSONValue {
        let parameters: [(String, Double)] = [
            ("coverage", coverage), ("software_weight", softwareWeight), ("smoothing", smoothing), ("absence_weight", absenceWeight),
            ("dormancy_weight", dormancyWeight), ("report_weight", reportWeight), ("repertoire_weight", repertoireWeight), ("temperature", temperature), ("size_exponent", sizeExponent), ("unknown_prior", unknownPrior),
        ]
        return .object(JSONObject(parameters.map { (key: $0.0, value: JSONValue.double($0.1)) }))
    }
}
