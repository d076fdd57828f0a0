import Hummingbird
import KAMProtocol

// The wire messages and office views are answered as JSON bodies.
extension ReplicaRegistered: ResponseEncodable {}
extension PushAcknowledgement: ResponseEncodable {}
extension PullPage: ResponseEncodable {}
extension FetchAnswer: ResponseEncodable {}
extension AccountList: ResponseEncodable {}
extension AccountDetail: ResponseEncodable {}
extension PipelineReport: ResponseEncodable {}
extension PyramidReport: ResponseEncodable {}
extension MovementReport: ResponseEncodable {}
extension DecliningReport: ResponseEncodable {}
extension RiskReport: ResponseEncodable {}
extension ComplaintReport: ResponseEncodable {}
